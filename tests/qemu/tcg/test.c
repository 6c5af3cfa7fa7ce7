/*
 * Bare-metal checks for MOVDIRI, MOVDIR64B, ENQCMD and ENQCMDS under TCG.
 * Runs in long mode (see boot.S), reports one TAP line per check on COM1
 * and leaves through isa-debug-exit (default port 0x501): 0x10 if every
 * check passed, else 0x11.
 */
#include <stdint.h>
#include <stddef.h>

#define KERNEL_CS	0x08
#define TSS_SEL		0x28

#define EXC_UD		6
#define EXC_GP		13
#define EXC_PF		14
#define NO_FAULT	(-1L)

#define MSR_IA32_PASID	0xd93

#define COM1		0x3f8
#define DEBUG_EXIT	0x501

/* CF, PF, AF, ZF, SF, OF */
#define FLAGS_ARITH	0x8d5UL
#define FLAG_ZF		0x40UL

/* two 2 MiB pages that kmain() makes non-present and read-only */
#define VA_NOTPRESENT	0x3fc00000UL
#define VA_READONLY	0x3fe00000UL
/* HPET: 0x40..0x7f are reserved registers, writes are ignored */
#define MMIO_OK		0xfed00040UL
/* nothing decodes this address on q35 with the default 128 MiB */
#define MMIO_NONE	0xe0000000UL

#define NCHECKS		20

struct frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
};

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1, ist[7], reserved2;
	uint16_t reserved3, iomap;
} __attribute__((packed));

extern uint64_t gdt[], pd[];
extern const uint64_t isr_table[32], isr_syscall;
extern uint64_t recover_rip, recover_rsp;
extern char intr_stack_top[];
long try_call(void (*fn)(void));
long run_user(void (*fn)(void));

static struct idt_entry idt[256] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static uint64_t last_error, last_cr2;

static uint8_t src[128] __attribute__((aligned(64)));
static uint8_t dst[192] __attribute__((aligned(64)));

/* operands and results of the instruction under test */
static volatile uint64_t g_src, g_dst, g_val, g_flags_in, g_flags_out;

static int checks, failures;

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void putc_serial(char c)
{
	if (c == '\n') {
		outb(COM1, '\r');
	}
	outb(COM1, c);
}

static void puts_serial(const char *s)
{
	while (*s) {
		putc_serial(*s++);
	}
}

static void put_dec(unsigned long v)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i) {
		putc_serial(buf[--i]);
	}
}

static void put_hex(uint64_t v)
{
	int i;

	puts_serial("0x");
	for (i = 60; i >= 0; i -= 4) {
		putc_serial("0123456789abcdef"[(v >> i) & 15]);
	}
}

static void quit(uint8_t code)
{
	outb(DEBUG_EXIT, code);
	for (;;) {
		asm volatile("cli; hlt");
	}
}

static void check(int ok, const char *name)
{
	checks++;
	if (!ok) {
		failures++;
		puts_serial("not ");
	}
	puts_serial("ok ");
	put_dec(checks);
	putc_serial(' ');
	puts_serial(name);
	putc_serial('\n');
}

/* print "# what: got X, want Y" when they differ */
static void diag(const char *what, uint64_t got, uint64_t want)
{
	if (got != want) {
		puts_serial("# ");
		puts_serial(what);
		puts_serial(": got ");
		put_hex(got);
		puts_serial(", want ");
		put_hex(want);
		putc_serial('\n');
	}
}

static int expect(const char *what, uint64_t got, uint64_t want)
{
	diag(what, got, want);
	return got == want;
}

void trap(struct frame *f)
{
	if (f->vector == EXC_PF) {
		asm volatile("mov %%cr2, %0" : "=r"(last_cr2));
	}
	if (recover_rip) {
		last_error = f->error;
		f->rdi = f->vector;
		f->rip = recover_rip;
		f->rsp = recover_rsp;
		f->cs = KERNEL_CS;
		f->ss = 0x10;
		f->rflags = 0x2;
		recover_rip = 0;
		return;
	}
	puts_serial("# unexpected exception ");
	put_dec(f->vector);
	puts_serial(" at ");
	put_hex(f->rip);
	puts_serial(" error ");
	put_hex(f->error);
	putc_serial('\n');
	puts_serial("Bail out!\n");
	quit(0x11);
}

static void set_gate(int n, uint64_t handler, int dpl)
{
	idt[n].off0 = handler;
	idt[n].sel = KERNEL_CS;
	idt[n].ist = 0;
	idt[n].type = 0x8e | (dpl << 5);
	idt[n].off1 = handler >> 16;
	idt[n].off2 = handler >> 32;
	idt[n].zero = 0;
}

static void setup_cpu(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	uint64_t base = (uint64_t)&tss;
	int i;

	for (i = 0; i < 32; i++) {
		set_gate(i, isr_table[i], 0);
	}
	set_gate(0x80, isr_syscall, 3);
	asm volatile("lidt %0" : : "m"(idtr));

	tss.rsp[0] = (uint64_t)intr_stack_top;
	tss.iomap = sizeof(tss);
	gdt[TSS_SEL / 8] = (sizeof(tss) - 1) | ((base & 0xffffff) << 16) |
		(0x89UL << 40) | (((base >> 24) & 0xff) << 56);
	gdt[TSS_SEL / 8 + 1] = base >> 32;
	asm volatile("ltr %w0" : : "r"(TSS_SEL));

	/* one non-present and one read-only (aliasing 6 MiB) large page */
	pd[VA_NOTPRESENT >> 21] = 0;
	pd[VA_READONLY >> 21] = 0x600000 | 0x85;
	asm volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" : : : "rax", "memory");
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

static void fill(void *p, size_t n, uint8_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		b[i] = seed + i * 7;
	}
}

static int same(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	while (n--) {
		if (*x++ != *y++) {
			return 0;
		}
	}
	return 1;
}

static void copy(void *d, const void *s, size_t n)
{
	uint8_t *x = d;
	const uint8_t *y = s;

	while (n--) {
		*x++ = *y++;
	}
}

static uint32_t rd32(const void *p)
{
	return *(const volatile uint32_t *)p;
}

static void wr32(void *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}

/* Instruction bodies, run through try_call() or run_user(). */

static void do_movdiri32(void)
{
	asm volatile("movdiri %k1, (%0)" : : "r"(g_dst), "r"(g_val) : "memory");
}

static void do_movdiri64(void)
{
	asm volatile("movdiri %1, (%0)" : : "r"(g_dst), "r"(g_val) : "memory");
}

static void do_movdiri_lock(void)
{
	asm volatile(".byte 0xf0\n\tmovdiri %k1, (%0)"
		     : : "r"(g_dst), "r"(g_val) : "memory");
}

#define FLAGS_WRAP(insn)						\
	do {								\
		uint64_t out;						\
		asm volatile("push %[in]\n\tpopf\n\t"			\
			     insn "\n\t"				\
			     "pushf\n\tpop %[out]"			\
			     : [out] "=&r"(out)				\
			     : [in] "r"(g_flags_in), [s] "r"(g_src),	\
			       [d] "r"(g_dst)				\
			     : "memory", "cc");				\
		g_flags_out = out;					\
	} while (0)

static void do_movdir64b(void)
{
	FLAGS_WRAP("movdir64b (%[s]), %[d]");
}

static void do_movdir64b_addr32(void)
{
	FLAGS_WRAP("movdir64b (%k[s]), %k[d]");
}

static void do_enqcmd(void)
{
	FLAGS_WRAP("enqcmd (%[s]), %[d]");
}

static void do_enqcmds(void)
{
	FLAGS_WRAP("enqcmds (%[s]), %[d]");
}

static void do_wrmsr_pasid(void)
{
	asm volatile("wrmsr" : : "c"(MSR_IA32_PASID), "a"((uint32_t)g_val),
		     "d"((uint32_t)(g_val >> 32)));
}

static uint64_t rdmsr_pasid(void)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_IA32_PASID));
	return ((uint64_t)hi << 32) | lo;
}

static void set_pasid(uint64_t v)
{
	g_val = v;
	try_call(do_wrmsr_pasid);
}

/* Reset the buffers: src gets a pattern, dst gets 0xee. */
static void reset_buffers(void)
{
	size_t i;

	fill(src, sizeof(src), 0x31);
	for (i = 0; i < sizeof(dst); i++) {
		dst[i] = 0xee;
	}
}

static int dst_untouched(size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		if (dst[i] != 0xee) {
			diag("dst byte changed at offset", i, -1);
			return 0;
		}
	}
	return 1;
}

static int expect_vector(long got, long want)
{
	return expect("vector (-1: none)", got, want);
}

/*
 * Run a 64-byte store from src + 8 to dst + 64 and check it copied the
 * bytes, with @header as the expected first dword.
 */
static int copied_64(uint32_t header)
{
	uint8_t want[64];

	copy(want, src + 8, 64);
	wr32(want, header);
	diag("first dword", rd32(dst + 64), header);
	return same(dst + 64, want, 64) && dst_untouched(0, 64) &&
		dst_untouched(128, sizeof(dst));
}

static void test_cpuid(void)
{
	uint32_t r[4];

	cpuid(7, 0, r);
	check(r[2] & (1u << 27), "cpuid 7.0:ecx[27] movdiri");
	check(r[2] & (1u << 28), "cpuid 7.0:ecx[28] movdir64b");
	check(r[2] & (1u << 29), "cpuid 7.0:ecx[29] enqcmd");
}

static void test_movdiri(void)
{
	int ok;

	reset_buffers();
	g_dst = (uint64_t)(dst + 4);
	g_val = 0xdeadbeef11223344UL;
	ok = expect_vector(try_call(do_movdiri32), NO_FAULT);
	ok = ok && expect("dword", rd32(dst + 4), 0x11223344) &&
		dst_untouched(0, 4) && dst_untouched(8, sizeof(dst));
	check(ok, "movdiri r32 stores 4 bytes to RAM");

	reset_buffers();
	g_dst = (uint64_t)(dst + 8);
	ok = expect_vector(try_call(do_movdiri64), NO_FAULT);
	ok = ok && expect("qword", *(volatile uint64_t *)(dst + 8),
			  0xdeadbeef11223344UL) &&
		dst_untouched(0, 8) && dst_untouched(16, sizeof(dst));
	check(ok, "movdiri r64 stores 8 bytes to RAM");

	reset_buffers();
	g_dst = (uint64_t)dst;
	ok = expect_vector(try_call(do_movdiri_lock), EXC_UD) &&
		dst_untouched(0, sizeof(dst));
	check(ok, "lock movdiri raises #UD");
}

static void test_movdir64b(void)
{
	int ok;

	reset_buffers();
	g_src = (uint64_t)(src + 8);
	g_dst = (uint64_t)(dst + 64);
	g_flags_in = 0x2 | FLAGS_ARITH;
	ok = expect_vector(try_call(do_movdir64b), NO_FAULT) &&
		copied_64(rd32(src + 8)) &&
		expect("flags", g_flags_out & FLAGS_ARITH, FLAGS_ARITH);
	check(ok, "movdir64b copies 64 bytes, leaves flags alone");

	reset_buffers();
	g_dst = (uint64_t)(dst + 72);
	ok = expect_vector(try_call(do_movdir64b), EXC_GP) &&
		expect("error code", last_error, 0) &&
		dst_untouched(0, sizeof(dst));
	check(ok, "movdir64b to a misaligned destination raises #GP(0)");

	reset_buffers();
	g_dst = (uint64_t)(dst + 64) | 0xffffffff00000000UL;
	ok = expect_vector(try_call(do_movdir64b_addr32), NO_FAULT) &&
		copied_64(rd32(src + 8));
	check(ok, "movdir64b with 32-bit address size uses edi");

	reset_buffers();
	g_dst = (uint64_t)(dst + 64);
	ok = expect_vector(run_user(do_movdir64b), NO_FAULT) &&
		copied_64(rd32(src + 8));
	check(ok, "movdir64b works at CPL3");

	g_dst = VA_NOTPRESENT + 64;
	ok = expect_vector(try_call(do_movdir64b), EXC_PF) &&
		expect("error code", last_error, 0x2) &&
		expect("cr2", last_cr2, VA_NOTPRESENT + 64);
	g_dst = VA_READONLY;
	ok = expect_vector(try_call(do_movdir64b), EXC_PF) &&
		expect("error code", last_error, 0x3) &&
		expect("cr2", last_cr2, VA_READONLY) && ok;
	check(ok, "movdir64b page faults are write faults");

	g_dst = MMIO_NONE;
	ok = expect_vector(try_call(do_movdir64b), NO_FAULT);
	check(ok, "movdir64b to an unclaimed address does not fault");
}

static void test_enqcmd(void)
{
	int ok;

	/* ENQCMDS keeps the PASID and privilege bit of the source */
	reset_buffers();
	wr32(src + 8, 0x80054321);
	g_src = (uint64_t)(src + 8);
	g_dst = (uint64_t)(dst + 64);
	g_flags_in = 0x2 | FLAGS_ARITH;
	ok = expect_vector(try_call(do_enqcmds), NO_FAULT) &&
		copied_64(0x80054321) &&
		expect("flags", g_flags_out & FLAGS_ARITH, 0);
	check(ok, "enqcmds to RAM copies 64 bytes, ZF=0, flags cleared");

	reset_buffers();
	g_dst = (uint64_t)(dst + 64);
	ok = expect_vector(run_user(do_enqcmds), EXC_GP) &&
		expect("error code", last_error, 0) &&
		dst_untouched(0, sizeof(dst));
	check(ok, "enqcmds at CPL3 raises #GP(0)");

	set_pasid(0);
	reset_buffers();
	ok = expect_vector(try_call(do_enqcmd), EXC_GP) &&
		expect("error code", last_error, 0) &&
		dst_untouched(0, sizeof(dst));
	check(ok, "enqcmd with IA32_PASID invalid raises #GP(0)");

	set_pasid(0x80001234);
	ok = expect("IA32_PASID", rdmsr_pasid(), 0x80001234);
	g_val = 0x80101234;
	ok = expect_vector(try_call(do_wrmsr_pasid), EXC_GP) &&
		expect("IA32_PASID", rdmsr_pasid(), 0x80001234) && ok;
	check(ok, "IA32_PASID reads back, rejects reserved bits");

	/* ENQCMD ignores bits 31:0 of the source */
	reset_buffers();
	wr32(src + 8, 0xfffabcde);
	g_flags_in = 0x2 | FLAGS_ARITH;
	ok = expect_vector(try_call(do_enqcmd), NO_FAULT) &&
		copied_64(0x00001234) &&
		expect("flags", g_flags_out & FLAGS_ARITH, 0);
	check(ok, "enqcmd puts IA32_PASID in bits 19:0, clears 31:20, ZF=0");

	reset_buffers();
	wr32(src + 8, 0xfffabcde);
	ok = expect_vector(run_user(do_enqcmd), NO_FAULT) &&
		copied_64(0x00001234);
	check(ok, "enqcmd works at CPL3");

	g_dst = MMIO_OK;
	g_flags_in = 0x2 | FLAGS_ARITH;
	ok = expect_vector(try_call(do_enqcmds), NO_FAULT) &&
		expect("flags", g_flags_out & FLAGS_ARITH, 0);
	check(ok, "enqcmds to MMIO that accepts the write: ZF=0");

	g_dst = MMIO_NONE;
	g_flags_in = 0x2;
	ok = expect_vector(try_call(do_enqcmds), NO_FAULT) &&
		expect("flags", g_flags_out & FLAGS_ARITH, FLAG_ZF);
	check(ok, "enqcmds to an unclaimed address reports retry: ZF=1");
}

void kmain(void)
{
	setup_cpu();
	/* the firmware's last line has no newline */
	puts_serial("\n1..");
	put_dec(NCHECKS);
	putc_serial('\n');

	test_cpuid();
	test_movdiri();
	test_movdir64b();
	test_enqcmd();

	if (checks != NCHECKS) {
		puts_serial("# ran ");
		put_dec(checks);
		puts_serial(" checks, planned ");
		put_dec(NCHECKS);
		putc_serial('\n');
		failures++;
	}
	quit(failures ? 0x11 : 0x10);
}
