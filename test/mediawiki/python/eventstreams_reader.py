"""Reads a Wikicast farm's /v2/stream/recentchange the way Wikimedia's EventStreams examples do.

A plain `requests` loop over text/event-stream (Wikimedia's examples use sseclient, which is not
packaged by Debian; this is the same protocol read by hand): every `message` event's data is a
recent change. Prints one JSON line per change ({"id": the SSE id, "change": the data}) and
exits after --count of them.

Usage: eventstreams_reader.py URL --count N [--since TIME] [--last-event-id ID] [--timeout S]
"""
import argparse
import json
import sys

import requests


def changes(url, since=None, last_event_id=None, timeout=30):
    headers = {"Accept": "text/event-stream"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    params = {"since": since} if since else {}
    with requests.get(url, params=params, headers=headers, stream=True, timeout=timeout) as response:
        response.raise_for_status()
        event, data, event_id = "message", [], None
        for line in response.iter_lines(decode_unicode=True):
            if line == "":
                if data and event == "message":
                    yield event_id, json.loads("\n".join(data))
                event, data = "message", []
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                event_id = value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--since")
    parser.add_argument("--last-event-id")
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    seen = 0
    for event_id, change in changes(args.url, args.since, args.last_event_id, args.timeout):
        if change.get("meta", {}).get("stream") != "mediawiki.recentchange":
            continue
        print(json.dumps({"id": event_id, "change": change}), flush=True)
        seen += 1
        if seen >= args.count:
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
