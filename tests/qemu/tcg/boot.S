/*
 * Multiboot entry for the TCG instruction test: enter long mode with the
 * first 4 GiB identity mapped (2 MiB pages, user-accessible), then call
 * main().  Also holds the exception stubs and the ring-switching helpers.
 */

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define USER_DS		(0x18 | 3)
#define USER_CS		(0x20 | 3)

	.section .multiboot, "a"
	.align 4
	.long 0x1badb002
	.long 0
	.long -0x1badb002

	.section .bss
	.align 4096
	.globl pd
pml4:	.space 4096
pdpt:	.space 4096
pd:	.space 4 * 4096
	.align 16
stack:	.space 16384
	.globl stack_top
stack_top:
user_stack:
	.space 8192
user_stack_top:
	/* TSS.RSP0: where the CPU puts the frame when leaving CPL3 */
intr_stack:
	.space 8192
	.globl intr_stack_top
intr_stack_top:

	.section .data
	.align 16
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: kernel code, 64-bit */
	.quad 0x00cf92000000ffff	/* 0x10: kernel data */
	.quad 0x00cff2000000ffff	/* 0x18: user data */
	.quad 0x00affa000000ffff	/* 0x20: user code, 64-bit */
	.quad 0, 0			/* 0x28: TSS, filled in by kmain() */
gdt_end:
	.align 4
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	/* set by try_call/run_user, consumed by trap() */
	.globl recover_rip, recover_rsp
recover_rip:	.quad 0
recover_rsp:	.quad 0

	.section .text
	.code32
	.globl _start
_start:
	cli
	mov $stack_top, %esp

	/* PML4[0] -> PDPT, PDPT[0..3] -> PD pages, PD[i] = i * 2 MiB */
	mov $pdpt + 7, %eax
	mov %eax, pml4
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $12, %eax
	add $pd + 7, %eax
	mov %eax, pdpt(, %ecx, 8)
	inc %ecx
	cmp $4, %ecx
	jne 1b
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $0x87, %eax			/* P, RW, US, PS */
	mov %eax, pd(, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 2b

	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax		/* PG, WP, PE */
	mov %eax, %cr0
	lgdt gdt_desc
	ljmp $KERNEL_CS, $long_start

	.code64
long_start:
	mov $KERNEL_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $stack_top, %rsp
	call kmain
3:	hlt
	jmp 3b

/* Exception stubs: push a dummy error code if the CPU does not. */
.macro isr_noerr n
isr\n:	pushq $0
	pushq $\n
	jmp isr_common
.endm
.macro isr_err n
isr\n:	pushq $\n
	jmp isr_common
.endm

	isr_noerr 0
	isr_noerr 1
	isr_noerr 2
	isr_noerr 3
	isr_noerr 4
	isr_noerr 5
	isr_noerr 6
	isr_noerr 7
	isr_err 8
	isr_noerr 9
	isr_err 10
	isr_err 11
	isr_err 12
	isr_err 13
	isr_err 14
	isr_noerr 15
	isr_noerr 16
	isr_err 17
	isr_noerr 18
	isr_noerr 19
	isr_noerr 20
	isr_err 21
	isr_noerr 22
	isr_noerr 23
	isr_noerr 24
	isr_noerr 25
	isr_noerr 26
	isr_noerr 27
	isr_noerr 28
	isr_err 29
	isr_err 30
	isr_noerr 31
	isr_noerr 128

isr_common:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov %rsp, %rdi
	cld
	call trap
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp
	iretq

	.section .rodata
	.align 8
	.globl isr_table
isr_table:
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.quad isr\n
	.endr
	.globl isr_syscall
isr_syscall:
	.quad isr128

	.section .text
/*
 * long try_call(void (*fn)(void)): run fn at CPL0.  Returns -1 if it
 * returned, else the vector of the exception it raised (trap() resumes
 * at label 1 with the stack pointer saved here).
 */
	.globl try_call
try_call:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, recover_rsp(%rip)
	lea 1f(%rip), %rax
	mov %rax, recover_rip(%rip)
	call *%rdi
	movq $0, recover_rip(%rip)
	mov $-1, %rax
	jmp 2f
1:	mov %rdi, %rax			/* trap() returns the vector in rdi */
2:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/*
 * long run_user(void (*fn)(void)): run fn at CPL3; it comes back with
 * int $0x80.  Returns -1 if it did, else the vector of the exception.
 */
	.globl run_user
run_user:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, recover_rsp(%rip)
	lea 1f(%rip), %rax
	mov %rax, recover_rip(%rip)
	pushq $USER_DS
	lea user_stack_top(%rip), %rax
	push %rax
	pushq $0x2			/* RFLAGS: IF=0, IOPL=0 */
	pushq $USER_CS
	lea user_entry(%rip), %rax
	push %rax
	iretq
1:	mov %rdi, %rax
	cmp $0x80, %rax
	jne 2f
	mov $-1, %rax
2:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

user_entry:
	call *%rdi
	int $0x80
	ud2
