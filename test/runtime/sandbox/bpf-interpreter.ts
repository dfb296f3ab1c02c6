/**
 * Runs a seccomp program the way the kernel's classic BPF interpreter would, for the
 * instructions cronmesh's filters use, so that tests can check the action for any system
 * call, architecture and argument without loading the filter.
 */

export interface SeccompData {
  nr: number;
  arch: number;
  /** The first argument; only its low 32 bits are read. */
  firstArgument?: number;
}

/** Returns the 32-bit action the program returns for `data`. Throws on an unknown opcode. */
export function runSeccompProgram(program: Buffer, data: SeccompData): number {
  const words = new Map<number, number>([
    [0, data.nr >>> 0],
    [4, data.arch >>> 0],
    [16, (data.firstArgument ?? 0) >>> 0],
  ]);
  let accumulator = 0;
  let pc = 0;
  const count = program.length / 8;
  for (let steps = 0; steps < 4096 && pc < count; steps += 1) {
    const offset = pc * 8;
    const code = program.readUInt16LE(offset);
    const jt = program.readUInt8(offset + 2);
    const jf = program.readUInt8(offset + 3);
    const k = program.readUInt32LE(offset + 4);
    switch (code) {
      case 0x20: {
        const word = words.get(k);
        if (word === undefined) throw new Error(`load of unexpected offset ${k}`);
        accumulator = word;
        pc += 1;
        break;
      }
      case 0x15:
        pc += 1 + (accumulator === k ? jt : jf);
        break;
      case 0x25:
        pc += 1 + (accumulator > k ? jt : jf);
        break;
      case 0x35:
        pc += 1 + (accumulator >= k ? jt : jf);
        break;
      case 0x45:
        pc += 1 + ((accumulator & k) >>> 0 !== 0 ? jt : jf);
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`unexpected opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('the program ran off its end');
}
