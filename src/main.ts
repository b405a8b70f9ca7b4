#!/usr/bin/env node
// Entry point. Only dynamic imports here: the libuv thread pool size must be set before anything
// uses the pool. Each camera holds pool threads while GStreamer waits for a frame or a bus message,
// so the default of 4 would starve file I/O and inference with two cameras.
process.env['UV_THREADPOOL_SIZE'] ??= '32';

const { runCli } = await import('./cli/program.js');
process.exitCode = await runCli(process.argv);
