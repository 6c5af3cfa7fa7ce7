/*
 * Bare-metal checks for MOVDIRI, MOVDIR64B, ENQCMD and ENQCMDS under TCG.
 * Runs in long mode (see boot.S), reports one TAP line per check on COM1
 * and leaves through isa-debug-exit (see common.c).
 */
#include "common.h"

/* two 2 MiB pages that setup_pages() makes non-present and read-only */
#define VA_NOTPRESENT	0x3fc00000UL
#define VA_READONLY	0x3fe00000UL
/* HPET: 0x40..0x7f are reserved registers, writes are ignored */
#define MMIO_OK		0xfed00040UL
/* nothing decodes this address on q35 with the default 128 MiB */
#define MMIO_NONE	0xe0000000UL

#define NCHECKS		20

static uint8_t src[128] __attribute__((aligned(64)));
static uint8_t dst[192] __attribute__((aligned(64)));

/* one non-present and one read-only (aliasing 6 MiB) large page */
static void setup_pages(void)
{
	pd[VA_NOTPRESENT >> 21] = 0;
	pd[VA_READONLY >> 21] = 0x600000 | 0x85;
	flush_tlb();
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

static void do_movdir64b_addr32(void)
{
	FLAGS_WRAP("movdir64b (%k[s]), %k[d]");
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
	start_guest(NCHECKS);
	setup_pages();

	test_cpuid();
	test_movdiri();
	test_movdir64b();
	test_enqcmd();

	finish_guest();
}
