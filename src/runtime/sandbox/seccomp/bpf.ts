/**
 * A small assembler for classic BPF, the instruction set of seccomp filters: each instruction
 * is a `struct sock_filter` { u16 code; u8 jt; u8 jf; u32 k } (linux/filter.h). Jumps go
 * forward only, by at most 255 instructions, and name their targets by label.
 */

// Opcode parts from linux/bpf_common.h.
const BPF_LD = 0x00;
const BPF_W = 0x00;
const BPF_ABS = 0x20;
const BPF_JMP = 0x05;
const BPF_JEQ = 0x10;
const BPF_JGT = 0x20;
const BPF_JGE = 0x30;
const BPF_JSET = 0x40;
const BPF_K = 0x00;
const BPF_RET = 0x06;

/** Size in bytes of one `struct sock_filter`. */
export const instructionSize = 8;

/** A jump target: a label, or `next` for the instruction that follows. */
export type JumpTarget = string;
const next = 'next';

type Step =
  | { kind: 'label'; name: string }
  | { kind: 'instruction'; code: number; k: number; jt?: JumpTarget; jf?: JumpTarget };

/** Builds a program instruction by instruction and encodes it for the kernel. */
export class BpfProgram {
  private readonly steps: Step[] = [];

  /** Loads the 32-bit word at `offset` in `struct seccomp_data` into the accumulator. */
  loadWord(offset: number): this {
    return this.push({ kind: 'instruction', code: BPF_LD | BPF_W | BPF_ABS, k: offset });
  }

  /** Jumps to `ifTrue` when the accumulator equals `value`, else to `ifFalse`. */
  jumpIfEqual(value: number, ifTrue: JumpTarget, ifFalse: JumpTarget = next): this {
    return this.jump(BPF_JEQ, value, ifTrue, ifFalse);
  }

  /** Jumps to `ifTrue` when the accumulator, unsigned, is greater than `value`. */
  jumpIfGreater(value: number, ifTrue: JumpTarget, ifFalse: JumpTarget = next): this {
    return this.jump(BPF_JGT, value, ifTrue, ifFalse);
  }

  /** Jumps to `ifTrue` when the accumulator, unsigned, is at least `value`. */
  jumpIfAtLeast(value: number, ifTrue: JumpTarget, ifFalse: JumpTarget = next): this {
    return this.jump(BPF_JGE, value, ifTrue, ifFalse);
  }

  /** Jumps to `ifTrue` when the accumulator has any bit of `mask` set. */
  jumpIfAnyBit(mask: number, ifTrue: JumpTarget, ifFalse: JumpTarget = next): this {
    return this.jump(BPF_JSET, mask, ifTrue, ifFalse);
  }

  /** Ends the filter with the action `value`, such as SECCOMP_RET_ALLOW. */
  returnValue(value: number): this {
    return this.push({ kind: 'instruction', code: BPF_RET | BPF_K, k: value });
  }

  /** Names the position of the next instruction. */
  label(name: string): this {
    return this.push({ kind: 'label', name });
  }

  /**
   * Returns the program as the kernel reads it: `struct sock_filter` entries in little-endian
   * byte order, the order of every architecture the filter supports. Throws on an unknown
   * label, a backward jump, or a jump longer than 255 instructions.
   */
  encode(): Buffer {
    const positions = new Map<string, number>();
    let count = 0;
    for (const step of this.steps) {
      if (step.kind === 'label') positions.set(step.name, count);
      else count += 1;
    }

    const buffer = Buffer.alloc(count * instructionSize);
    let index = 0;
    for (const step of this.steps) {
      if (step.kind === 'label') continue;
      const offset = index * instructionSize;
      buffer.writeUInt16LE(step.code, offset);
      buffer.writeUInt8(jumpOffset(step.jt, index, positions), offset + 2);
      buffer.writeUInt8(jumpOffset(step.jf, index, positions), offset + 3);
      buffer.writeUInt32LE(step.k >>> 0, offset + 4);
      index += 1;
    }
    return buffer;
  }

  private jump(comparison: number, value: number, ifTrue: JumpTarget, ifFalse: JumpTarget): this {
    return this.push({
      kind: 'instruction',
      code: BPF_JMP | comparison | BPF_K,
      k: value,
      jt: ifTrue,
      jf: ifFalse,
    });
  }

  private push(step: Step): this {
    this.steps.push(step);
    return this;
  }
}

function jumpOffset(
  target: JumpTarget | undefined,
  index: number,
  positions: ReadonlyMap<string, number>,
): number {
  if (target === undefined || target === next) return 0;
  const position = positions.get(target);
  if (position === undefined) throw new Error(`BPF label ${JSON.stringify(target)} is not defined`);
  const offset = position - (index + 1);
  if (offset < 0 || offset > 255) {
    throw new Error(
      `BPF jump from instruction ${index} to ${JSON.stringify(target)} is out of range`,
    );
  }
  return offset;
}
