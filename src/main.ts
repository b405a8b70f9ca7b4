#!/usr/bin/env node
// Entry point. Only dynamic imports here: the libuv thread pool size must be set before anything
// uses the pool. The daemon decodes in its frame host (a child process with a pool of its own), but
// one-camera commands (detect, camera test, preview) decode here, where a GStreamer source holds
// up to three pool threads while it waits for a frame or a bus message.
process.env['UV_THREADPOOL_SIZE'] ??= '16';

const { reportFatal } = await import('./cli/exitCodes.js');
// A fault nothing caught (a bug) ends the process at once with a clear message, so that systemd
// restarts it; exit handlers stop the pipelines and the frame host, so the exit cannot hang on a
// pool thread blocked in GStreamer.
const fatal = (err: unknown) => process.exit(reportFatal(err));
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
// Outbox rows and snapshots describe people and plates: nothing the agent creates is for other users
// (files 0640, folders 0750 at most, whatever umask the shell or service manager passed on).
process.umask(0o027);

const { runCli } = await import('./cli/program.js');
const code = await runCli(process.argv);
// Exit explicitly: native worker threads (a GStreamer bus poll, an appsink pull) may still be parked
// in the libuv pool, and would keep the process alive after the work is done. stdout and stderr
// are synchronous for files and pipes on Linux, so nothing printed is lost.
process.exit(code);
