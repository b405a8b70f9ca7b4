// Benchmark: prints figures, and with --json ends with one JSON line. Figures are compared as ratios
// within one run (the machine is shared and noisy), never against fixed numbers.
//   npm run bench [-- --json] [--frames N] [--models a,b] [--threads N] [--parts models,events,outbox,signing,capacity]
//   npm run bench -- --cameras 1,4,8,12,16 [--quiet-cameras 12,24,32] [--seconds 45] [--warmup 15]
//   npm run bench -- --soak 12 [--minutes 10]     (memory soak only)
//   npm run bench -- --fleet 50,200 [--parts fleet] (fleet simulation, scripts/fleet-sim for its options)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchModel, type ModelFigures } from './benchDetect.js';
import { benchEventFigures, type EventFigures } from './benchEvents.js';
import { benchOutbox, type OutboxBenchFigures } from './benchOutbox.js';
import { benchCapacity, benchSoak, type CapacityFigures } from './benchCapacity.js';
import { benchSigning, type SigningFigures } from './benchSigning.js';
import { fleetTable, runFleet, type FleetFigures } from './fleetSim.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const frames = Number(opt('--frames', '200'));
const threads = Number(opt('--threads', '0'));
const models = opt('--models', 'yolox-nano-int8,yolox-nano').split(',');

const cameraCounts = opt('--cameras', '').split(',').filter(Boolean).map(Number);
const fleetSizes = opt('--fleet', '').split(',').filter(Boolean).map(Number);
const extraParts = [...(cameraCounts.length > 0 ? ['capacity'] : []), ...(fleetSizes.length > 0 ? ['fleet'] : [])];
const parts = opt('--parts', ['models', 'events', 'outbox', 'signing', ...extraParts].join(',')).split(',');

if (args.includes('--soak')) {
  const n = Number(opt('--soak', '12'));
  const s = await benchSoak(n, Number(opt('--minutes', '10')), Number(opt('--warmup', '60')));
  process.stdout.write(
    `soak             ${s.cameras} cameras for ${s.minutes} min | RSS first minute ${s.rss_first_min_mb} MB, last minute ${s.rss_last_min_mb} MB, ` +
      `growth ${s.growth_pct}% | peak ${s.run.peak_rss_mb} MB | fps per camera min ${s.run.fps_per_camera.min} | offline events ${s.run.offline_events}\n`,
  );
  if (json) process.stdout.write(`${JSON.stringify({ soak: s })}\n`);
} else if (args.includes('--child')) {
  // One model per child process, so that peak RSS and CPU belong to that model alone.
  const figures = await benchModel(opt('--model', ''), { frames, threads });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} else {
  const out: { models: Record<string, ModelFigures>; events?: EventFigures; outbox?: OutboxBenchFigures; signing?: SigningFigures; capacity?: CapacityFigures; fleet?: FleetFigures } = {
    models: {},
  };
  for (const id of parts.includes('models') ? models : []) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--model', id, '--frames', String(frames), '--threads', String(threads)], {
      encoding: 'utf8',
      env: { ...process.env, UV_THREADPOOL_SIZE: '16' },
    });
    if (r.status !== 0) {
      process.stderr.write(`bench: ${id} failed:\n${r.stderr}`);
      process.exit(1);
    }
    const figures = JSON.parse(r.stdout.trim().split('\n').pop()!) as ModelFigures;
    out.models[id] = figures;
    const s = figures.stage_ms;
    process.stdout.write(
      `${id.padEnd(16)} model-only ${figures.model_only_fps.toFixed(1)} fps | pipeline ${figures.pipeline_fps.toFixed(1)} fps | ` +
        `ratio ${figures.ratio.toFixed(2)} (min ${figures.ratio_min.toFixed(2)}, max ${figures.ratio_max.toFixed(2)}, ${figures.rounds} rounds A B A B) | max batch ${figures.max_batch} | ` +
        `per frame: wait-for-frame ${s.frame_wait.toFixed(2)} ms, pre ${s.preprocess.toFixed(2)} ms, infer ${s.infer.toFixed(2)} ms, post ${s.postprocess.toFixed(2)} ms | ` +
        `cpu ${figures.cpu_pct.toFixed(0)}% | rss ${figures.rss_mb.toFixed(0)} MB\n`,
    );
  }
  if (parts.includes('events')) {
    const e = (out.events = await benchEventFigures(Math.min(frames, 400)));
    process.stdout.write(
      `events           tracker + rules ${e.track_rules_ms_per_frame.toFixed(3)} ms/frame (${e.frames} frames) | ` +
        `motion gate skips ${(e.motion_skip_fraction_quiet * 100).toFixed(0)}% of frames on ${e.quiet_clip} | pipeline ${e.quiet_pipeline_ms_per_frame.toFixed(1)} ms/frame there\n`,
    );
  }
  if (parts.includes('outbox')) {
    const o = (out.outbox = await benchOutbox());
    process.stdout.write(
      `outbox           insert ${o.insert_per_s.toFixed(0)}/s | drain ${o.drain_per_s.toFixed(0)}/s vs raw QoS1 publish ${o.raw_publish_per_s.toFixed(0)}/s ` +
        `(ratio ${o.drain_vs_raw.toFixed(2)}, min ${o.drain_vs_raw_min.toFixed(2)}, max ${o.drain_vs_raw_max.toFixed(2)}, alternating rounds) | latency p50 ${o.latency_p50_ms.toFixed(1)} ms, p95 ${o.latency_p95_ms.toFixed(1)} ms, p95 while draining ${o.latency_p95_draining_ms.toFixed(1)} ms\n`,
    );
  }
  if (parts.includes('signing')) {
    const g = (out.signing = benchSigning());
    process.stdout.write(
      `signing          Ed25519 per alert: sign ${g.sign_us.json} µs JSON, ${g.sign_us.cbor} µs CBOR (encode alone ${g.encode_us.json} / ${g.encode_us.cbor} µs; ` +
        `encode+sign vs encode ratio ${g.sign_ratio.json} / ${g.sign_ratio.cbor}, ${g.rounds} alternating rounds of ${g.alerts_per_round}) | ` +
        `verify ${g.verify_us.json} µs JSON, ${g.verify_us.cbor} µs CBOR | typical alert ${g.bytes_before.json} → ${g.bytes_after.json} B JSON, ${g.bytes_before.cbor} → ${g.bytes_after.cbor} B CBOR\n`,
    );
  }
  if (parts.includes('capacity')) {
    const quiet = opt('--quiet-cameras', '24,32').split(',').filter(Boolean).map(Number);
    const c = (out.capacity = await benchCapacity(cameraCounts.length > 0 ? cameraCounts : [1, 4, 8, 12, 16], {
      seconds: Number(opt('--seconds', '45')),
      warmupS: Number(opt('--warmup', '15')),
      quiet,
    }));
    for (const r of [...c.runs, ...(c.quiet ?? [])]) {
      process.stdout.write(
        `capacity         ${String(r.cameras).padStart(2)} cameras (${r.clip}) | fps per camera min ${r.fps_per_camera.min} median ${r.fps_per_camera.median} of ${c.detect_fps} | ` +
          `dropped ${r.dropped_busy} | motion skipped ${(r.skipped_motion_share * 100).toFixed(0)}% | offline ${r.offline_events} | inference p50 ${r.inference_ms.p50} p95 ${r.inference_ms.p95} ms | ` +
          `arrival→detections p95 ${r.arrival_to_detections_ms.p95} ms | cpu ${r.cpu_pct}% | peak rss ${r.peak_rss_mb} MB\n`,
      );
    }
    process.stdout.write(`capacity         ${c.capacity} cameras at ${c.detect_fps} fps with no drops (street clip); still scene: ${c.quiet_capacity ?? '-'}\n`);
  }
  if (parts.includes('fleet')) {
    out.fleet = await runFleet({ gateways: fleetSizes.length > 0 ? fleetSizes : [50] }, (run) => process.stdout.write(fleetTable(run)));
  }
  if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
}
