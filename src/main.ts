#!/usr/bin/env node
// Entry point. Only dynamic imports here: the libuv thread pool size must be set before anything
// uses the pool. Each camera holds pool threads while GStreamer waits for a frame or a bus message,
// so the default of 4 would starve file I/O and inference with two cameras.
process.env['UV_THREADPOOL_SIZE'] ??= '32';
// Outbox rows and snapshots describe people and plates: nothing the agent creates is for other users
// (files 0640, folders 0750 at most, whatever umask the shell or service manager passed on).
process.umask(0o027);

const { runCli } = await import('./cli/program.js');
const code = await runCli(process.argv);
// Exit explicitly: native worker threads (a GStreamer bus poll, an appsink pull) may still be parked
// in the libuv pool, and would keep the process alive after the work is done. stdout and stderr
// are synchronous for files and pipes on Linux, so nothing printed is lost.
process.exit(code);
