/*
 * Code shared by the bare-metal guests (see common.h): TAP output on COM1,
 * the IDT and TSS, exception recovery, leaving through isa-debug-exit
 * (default port 0x501: 0x10 if every check passed, else 0x11) and the
 * instruction bodies.
 */
#include "common.h"

#define TSS_SEL		0x28
#define MSR_IA32_PASID	0xd93

#define COM1		0x3f8
#define DEBUG_EXIT	0x501

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

extern uint64_t gdt[];
extern const uint64_t isr_table[32], isr_syscall;
extern uint64_t recover_rip, recover_rsp;
extern char intr_stack_top[];

static struct idt_entry idt[256] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));

uint64_t last_error, last_cr2;
volatile uint64_t g_src, g_dst, g_val, g_flags_in, g_flags_out;

static int planned, checks, failures;

void putc_serial(char c)
{
	if (c == '\n') {
		outb(COM1, '\r');
	}
	outb(COM1, c);
}

void puts_serial(const char *s)
{
	while (*s) {
		putc_serial(*s++);
	}
}

void put_dec(unsigned long v)
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

void put_hex(uint64_t v)
{
	int i;

	puts_serial("0x");
	for (i = 60; i >= 0; i -= 4) {
		putc_serial("0123456789abcdef"[(v >> i) & 15]);
	}
}

static void __attribute__((noreturn)) quit(uint8_t code)
{
	outb(DEBUG_EXIT, code);
	for (;;) {
		asm volatile("cli; hlt");
	}
}

void bail_out(const char *why)
{
	puts_serial("# ");
	puts_serial(why);
	puts_serial("\nBail out!\n");
	quit(0x11);
}

void check(int ok, const char *name)
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

void diag(const char *what, uint64_t got, uint64_t want)
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

int expect(const char *what, uint64_t got, uint64_t want)
{
	diag(what, got, want);
	return got == want;
}

int expect_vector(long got, long want)
{
	return expect("vector (-1: none)", got, want);
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
}

void start_guest(int nchecks)
{
	setup_cpu();
	planned = nchecks;
	/* the firmware's last line has no newline */
	puts_serial("\n1..");
	put_dec(nchecks);
	putc_serial('\n');
}

void finish_guest(void)
{
	if (checks != planned) {
		puts_serial("# ran ");
		put_dec(checks);
		puts_serial(" checks, planned ");
		put_dec(planned);
		putc_serial('\n');
		failures++;
	}
	quit(failures ? 0x11 : 0x10);
}

void do_movdir64b(void)
{
	FLAGS_WRAP("movdir64b (%[s]), %[d]");
}

void do_enqcmd(void)
{
	FLAGS_WRAP("enqcmd (%[s]), %[d]");
}

void do_enqcmds(void)
{
	FLAGS_WRAP("enqcmds (%[s]), %[d]");
}

void do_wrmsr_pasid(void)
{
	asm volatile("wrmsr" : : "c"(MSR_IA32_PASID), "a"((uint32_t)g_val),
		     "d"((uint32_t)(g_val >> 32)));
}

uint64_t rdmsr_pasid(void)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_IA32_PASID));
	return ((uint64_t)hi << 32) | lo;
}

void set_pasid(uint64_t v)
{
	g_val = v;
	try_call(do_wrmsr_pasid);
}
