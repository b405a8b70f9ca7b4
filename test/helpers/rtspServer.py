#!/usr/bin/python3
"""RTSP server for tests and demos: streams a recorded clip the way a camera would.

Mounts: /h264 (the clip's H.264 remuxed, no re-encode), /h265 (re-encoded with x265, low cost
settings). Each client gets its own pipeline, paced in real time. Runs until killed; prints
"READY <port>" on stdout once listening. Needs Debian's python3-gi and gir1.2-gst-rtsp-server-1.0.
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--address", default="127.0.0.1", help="loopback address to serve on")
    ap.add_argument("--file", required=True, help="an MP4 with an H.264 video track")
    ap.add_argument("--user", help="require RTSP basic/digest auth with this user")
    ap.add_argument("--password", default="")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    src = f'filesrc location="{args.file}" ! qtdemux name=d d.video_0 ! queue ! h264parse'
    launches = {
        "/h264": f"( {src} ! rtph264pay name=pay0 pt=96 config-interval=1 )",
        "/h265": f"( {src} ! avdec_h264 ! videoconvert ! x265enc speed-preset=ultrafast tune=zerolatency "
        f"key-int-max=25 bitrate=800 ! h265parse ! rtph265pay name=pay0 pt=96 config-interval=1 )",
    }
    mounts = server.get_mount_points()
    for path, launch in launches.items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(False)
        if args.user:
            factory.add_role_from_structure(
                Gst.Structure.from_string("user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0]
            )
        mounts.add_factory(path, factory)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        # RTSPToken.new_empty is not introspectable; set_string works on a default token.
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
    if server.attach(None) == 0:
        print(f"ERROR cannot listen on port {args.port}", flush=True)
        sys.exit(1)
    print(f"READY {args.port}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
