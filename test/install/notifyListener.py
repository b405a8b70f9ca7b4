#!/usr/bin/python3
"""A stand-in for systemd's notify socket: binds an AF_UNIX datagram socket at --socket, receives
with SO_PASSCRED as systemd does, and prints one JSON line per datagram: the sender's pid as the
kernel reports it, and the message. Prints READY once bound. Ends on SIGTERM."""
import argparse, json, os, socket, struct, sys

p = argparse.ArgumentParser()
p.add_argument('--socket', required=True)
a = p.parse_args()

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(a.socket)
print('READY', flush=True)
creds_size = struct.calcsize('3i')
while True:
    msg, anc, _flags, _addr = s.recvmsg(4096, socket.CMSG_SPACE(creds_size))
    pid = None
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid, _uid, _gid = struct.unpack('3i', data[:creds_size])
    print(json.dumps({'pid': pid, 'message': msg.decode('utf-8', 'replace')}), flush=True)
