/**
 * Names the compiled JavaScript functions in callgrind's report: callgrind shows them as bare addresses
 * (`???:0x0000000012345678`); node's map (--perf-basic-prof: start, size and name of each piece of compiled code) tells
 * which function each address is in. Reads the report on stdin, writes it with names.
 *
 *   callgrind_annotate --inclusive=yes <dir>/callgrind.1 | npx tsx bench/callgrind-names.ts <dir>/perf-1.map
 *
 * (bench/send-instructions.ts --keep <dir> --names writes both files.)
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const mapFile = process.argv[2];
if (!mapFile) throw new Error('usage: bench/callgrind-names.ts <perf map file>');

const code = readFileSync(mapFile, 'utf8').split('\n').flatMap((line) => {
  const [start, size, ...name] = line.split(' ');
  return start && size && name.length > 0 ? [{ start: Number.parseInt(start, 16), end: Number.parseInt(start, 16) + Number.parseInt(size, 16), name: name.join(' ') }] : [];
}).sort((a, b) => a.start - b.start);

/** The piece of code holding `address`, by binary search over the starts. */
function nameOf(address: number): string | undefined {
  let [low, high] = [0, code.length - 1];
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (code[middle]!.start <= address) low = middle + 1;
    else high = middle - 1;
  }
  const found = code[high];
  return found && address < found.end ? found.name : undefined;
}

for await (const line of createInterface({ input: process.stdin })) {
  console.log(line.replace(/\?\?\?:0x([0-9a-f]+)/g, (bare, hex: string) => nameOf(Number.parseInt(hex, 16)) ?? bare));
}
