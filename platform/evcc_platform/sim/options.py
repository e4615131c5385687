"""Command-line options of the powerline emulator (kept free of heavy imports)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ev", action="append", default=[], metavar="IFACE",
                        help="interface of an EV host (repeatable)")
    parser.add_argument("--evse", action="append", default=[], metavar="IFACE[:DB[:JITTER]]",
                        help="interface of an EVSE host with its attenuation in dB (default 20)")
    parser.add_argument("--join-delay", type=float, default=1.0, metavar="S",
                        help="seconds after the later CM_SET_KEY before data flows (default 1)")
    parser.add_argument("--sound-loss", type=float, default=0.0, metavar="P",
                        help="probability that a sound is lost per EVSE port (default 0)")
    parser.add_argument("--set-key-result", type=int, default=1, choices=range(256),
                        metavar="N", help="Result byte of CM_SET_KEY.CNF (QCA: 1, spec: 0)")
    parser.add_argument("--first-start-atten-only", action="store_true",
                        help="pass only the first CM_START_ATTEN_CHAR.IND per run to an EVSE")
    parser.add_argument("--pcap", metavar="FILE", help="write every frame on the line to FILE")
    parser.add_argument("--events", metavar="FILE", help="JSON lines of the MMEs seen")
    parser.add_argument("--seed", type=int, help="random seed (jitter, sound loss)")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
