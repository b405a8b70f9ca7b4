import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { listen } from '../publish/mqttLink.js';
import { readEnrolledKeys } from '../config/enrolledKeys.js';
import { Verifier, type Gap, type Report, type Verdict } from '../verify/index.js';
import { EXIT } from './exitCodes.js';

// `edge-agent verify`: the centre's check of captured gateway messages against enrolled keys.
// Input: lines of `topic payload` as `mosquitto_sub -v` prints them (or `-F '%t %x'` for CBOR), from
// a file, or live from a broker with --url.

interface VerifyOpts {
  keys: string;
  url?: string;
  topic: string;
  seconds: string;
  json?: boolean;
  all?: boolean;
  strict?: boolean;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('Check gateway messages (signature, gateway, topic, order) against enrolled public keys; exit 1 if anything is not valid.')
    .argument('[file]', 'captured lines "topic payload" (mosquitto_sub -v; -F "%t %x" for CBOR); - for stdin')
    .requiredOption('--keys <file|folder>', 'enrolled keys: lines "<gateway id> <public key>", or a folder of <gateway id>.pub files')
    .option('--url <url>', 'subscribe to a broker instead of reading a file')
    .option('--topic <filter>', 'topic filter with --url', 'edge/#')
    .option('--seconds <n>', 'how long to listen with --url', '10')
    .option('--json', 'print one JSON object')
    .option('--all', 'list valid messages too')
    .option('--strict', 'count duplicates (redeliveries or replays of valid messages) as failures')
    .action(async (file: string | undefined, o: VerifyOpts) => {
      const verifier = new Verifier(readEnrolledKeys(o.keys));
      const reports: Report[] = [];
      if (o.url) {
        const seconds = Number(o.seconds);
        if (!Number.isFinite(seconds) || seconds <= 0) throw new ConfigError('(command line)', ['--seconds: a positive number']);
        await listen(o.url, [o.topic], seconds * 1000, (t, p) => reports.push(verifier.check(t, p)));
      } else {
        const text = readFileSync(file === undefined || file === '-' ? 0 : file, 'utf8');
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue;
          const space = line.indexOf(' ');
          const topic = space < 0 ? line : line.slice(0, space);
          reports.push(verifier.check(topic, payloadOf(space < 0 ? '' : line.slice(space + 1))));
        }
      }
      const gaps = verifier.gaps();
      const counts = countVerdicts(reports);
      const bad = counts.forged + counts.altered + counts.replayed + (o.strict ? counts.duplicate : 0) + gaps.length;
      process.stdout.write(o.json ? `${JSON.stringify({ counts, gaps, messages: reports })}\n` : formatReport(reports, counts, gaps, o.all === true));
      process.exitCode = bad > 0 ? EXIT.failure : EXIT.ok;
    });
}

function payloadOf(text: string): Buffer {
  // `mosquitto_sub -F '%t %x'` prints payloads as hex: the way to capture CBOR in a text file.
  if (text.length >= 2 && text.length % 2 === 0 && /^[0-9a-f]+$/.test(text)) return Buffer.from(text, 'hex');
  return Buffer.from(text, 'utf8');
}

function countVerdicts(reports: Report[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { valid: 0, duplicate: 0, forged: 0, altered: 0, replayed: 0, skipped: 0 };
  for (const r of reports) counts[r.verdict]++;
  return counts;
}

function formatReport(reports: Report[], counts: Record<Verdict, number>, gaps: Gap[], all: boolean): string {
  const lines = reports
    .filter((r) => all || (r.verdict !== 'valid' && r.verdict !== 'skipped'))
    .map((r) => `${r.verdict.padEnd(9)} ${r.topic}${r.seq !== undefined ? ` seq ${r.seq}` : ''}${r.boot !== undefined ? ` boot ${r.boot}` : ''}${r.reason ? `: ${r.reason}` : ''}`);
  for (const g of gaps) lines.push(`gap       ${g.gateway} boot ${g.boot}: seq ${g.from}${g.to > g.from ? `..${g.to}` : ''} never arrived`);
  lines.push(Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') + `, gaps ${gaps.length}`);
  return `${lines.join('\n')}\n`;
}
