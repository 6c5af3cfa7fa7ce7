/*
 * Shared by the bare-metal guests: serial TAP output, exception recovery
 * (see boot.S), port I/O and the instruction bodies both guests run
 * through try_call() or run_user().
 */
#ifndef TCG_COMMON_H
#define TCG_COMMON_H

#include <stdint.h>
#include <stddef.h>

#define KERNEL_CS	0x08

#define EXC_UD		6
#define EXC_GP		13
#define EXC_PF		14
#define NO_FAULT	(-1L)

/* CF, PF, AF, ZF, SF, OF */
#define FLAGS_ARITH	0x8d5UL
#define FLAG_ZF		0x40UL

/* page directory entry bits (2 MiB pages) */
#define PDE_PWT		0x08UL
#define PDE_PCD		0x10UL

/* boot.S: 2048 PD entries identity-mapping the first 4 GiB */
extern uint64_t pd[];
long try_call(void (*fn)(void));
long run_user(void (*fn)(void));

/* set by the last exception try_call() or run_user() recovered from */
extern uint64_t last_error, last_cr2;

/* operands and results of the instruction under test */
extern volatile uint64_t g_src, g_dst, g_val, g_flags_in, g_flags_out;

/*
 * Run @insn (operands %[s] and %[d]) with RFLAGS = g_flags_in and keep the
 * RFLAGS it leaves in g_flags_out.
 */
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

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void flush_tlb(void)
{
	asm volatile("mov %%cr3, %%rax; mov %%rax, %%cr3"
		     : : : "rax", "memory");
}

void putc_serial(char c);
void puts_serial(const char *s);
void put_dec(unsigned long v);
void put_hex(uint64_t v);

/* Set up the IDT and TSS and print the TAP plan. */
void start_guest(int nchecks);
/* Check that every planned check ran and leave through isa-debug-exit. */
void finish_guest(void) __attribute__((noreturn));
/* Print "# why" and "Bail out!", then leave with the failure code. */
void bail_out(const char *why) __attribute__((noreturn));

void check(int ok, const char *name);
/* print "# what: got X, want Y" when they differ */
void diag(const char *what, uint64_t got, uint64_t want);
int expect(const char *what, uint64_t got, uint64_t want);
int expect_vector(long got, long want);

/* Instruction bodies, run through try_call() or run_user(). */
void do_movdir64b(void);
void do_enqcmd(void);
void do_enqcmds(void);
void do_wrmsr_pasid(void);
uint64_t rdmsr_pasid(void);
void set_pasid(uint64_t v);

#endif
