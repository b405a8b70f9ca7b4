// The fleet simulation: G simulated gateways (the agent's real uplink and outbox, a simulated site
// instead of cameras) behind commune, city and ministry Mosquitto brokers bridged with the shipped
// templates, and K `edge-agent central` instances, all real processes on loopback; scenarios of
// steady load, a cut commune line, a killed city broker, a killed centre instance and a gateway
// back from an hour offline. Figures, not pass/fail (test/integration/fleet.test.ts asserts on a
// small fleet).
//   scripts/fleet-sim [--gateways 50,200,500] [--json] …   (--help for every option)
//   npm run bench -- --fleet 50,200
import { fileURLToPath } from 'node:url';
import { runFleetOnce, stopRunningFleets, type FleetRunFigures } from './fleet/fleetRun.js';
import { defaultOptions, parseOptions, USAGE, type FleetOptions } from './fleet/options.js';
import { fleetTable } from './fleet/report.js';

export type { FleetOptions } from './fleet/options.js';

export interface FleetFigures {
  runs: FleetRunFigures[];
}

/** One full run per fleet size in `gateways`, one after the other; `onRun` sees each as it ends. */
export async function runFleet(opts: Partial<FleetOptions> = {}, onRun?: (run: FleetRunFigures) => void): Promise<FleetFigures> {
  const o = { ...defaultOptions(), ...opts };
  const runs: FleetRunFigures[] = [];
  for (const g of o.gateways) {
    const run = await runFleetOnce(o, g);
    runs.push(run);
    onRun?.(run);
  }
  return { runs };
}

export { fleetTable };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let parsed;
  try {
    parsed = parseOptions(args);
  } catch (err) {
    process.stderr.write(`fleet-sim: ${(err as Error).message}\n`);
    process.exit(2);
  }
  // Interrupted: the brokers, PostgreSQL and the centre instances are this process's children; stop them.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`fleet-sim: ${signal}, stopping the fleet\n`);
      void stopRunningFleets().finally(() => process.exit(130));
    });
  }
  const figures = await runFleet(parsed.options, (run) => process.stdout.write(`${fleetTable(run)}\n`)).catch((err: unknown) => {
    process.stderr.write(`fleet-sim: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  });
  if (parsed.json) process.stdout.write(`${JSON.stringify({ fleet: figures })}\n`);
  process.exit(0);
}
