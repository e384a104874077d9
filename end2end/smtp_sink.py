#!/usr/bin/env python3
"""A real SMTP server on loopback for the end-to-end tests: it accepts every message and
writes each one to <dir>/<n>.eml, where the specs read them. Enough of RFC 5321 for lettre.

    python3 smtp_sink.py PORT DIR
"""
import asyncio
import pathlib
import sys

PORT = int(sys.argv[1])
OUT = pathlib.Path(sys.argv[2])
OUT.mkdir(parents=True, exist_ok=True)
counter = 0


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    global counter
    writer.write(b"220 sink ESMTP\r\n")
    recipients: list[str] = []
    while True:
        line = await reader.readline()
        if not line:
            break
        verb = line[:4].decode(errors="replace").upper()
        if verb in ("EHLO", "HELO"):
            writer.write(b"250 sink\r\n")
        elif verb in ("MAIL", "NOOP"):
            writer.write(b"250 OK\r\n")
        elif verb == "RSET":
            recipients = []
            writer.write(b"250 OK\r\n")
        elif verb == "RCPT":
            recipients.append(line[8:].decode().strip().strip("<>"))
            writer.write(b"250 OK\r\n")
        elif verb == "DATA":
            writer.write(b"354 go on\r\n")
            await writer.drain()
            data = []
            while True:
                body_line = await reader.readline()
                if body_line in (b".\r\n", b".\n", b""):
                    break
                data.append(body_line[1:] if body_line.startswith(b".") else body_line)
            counter += 1
            header = "X-Sink-Recipients: " + ", ".join(recipients) + "\r\n"
            (OUT / f"{counter:05d}.eml").write_bytes(header.encode() + b"".join(data))
            recipients = []
            writer.write(b"250 queued\r\n")
        elif verb == "QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"502 not here\r\n")
        await writer.drain()
    writer.close()


async def main() -> None:
    server = await asyncio.start_server(session, "127.0.0.1", PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
