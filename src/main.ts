#!/usr/bin/env node
// Entry point. Only dynamic imports here: the libuv thread pool size must be set before anything
// uses the pool. The daemon decodes in its frame host (a child process with a pool of its own), but
// one-camera commands (detect, camera test, preview) decode here, where a GStreamer source holds
// up to three pool threads while it waits for a frame or a bus message.
process.env['UV_THREADPOOL_SIZE'] ??= '16';

const { runCli } = await import('./cli/program.js');
const code = await runCli(process.argv);
// Exit explicitly: native worker threads (a GStreamer bus poll, an appsink pull) may still be parked
// in the libuv pool, and would keep the process alive after the work is done. stdout and stderr
// are synchronous for files and pipes on Linux, so nothing printed is lost.
process.exit(code);
