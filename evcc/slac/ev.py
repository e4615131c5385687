"""Sans-IO SLAC state machine of the EV (ISO 15118-3 Annex A), time passed in.

The driver feeds received frames with :meth:`SlacEv.receive`, sends what
:meth:`SlacEv.bytes_to_send` returns, calls :meth:`SlacEv.handle_timer` once
:meth:`SlacEv.timer` has passed and reads :meth:`SlacEv.next_event`. Nothing a peer sends
raises: malformed frames are counted (:attr:`SlacEv.malformed_frames`), reported as progress
and otherwise ignored. Only misuse of the API (a second ``start``) raises.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from evcc.errors import FrameError, SlacError
from evcc.slac import constants as k
from evcc.slac.choice import EvseHeard, all_reported, rank
from evcc.slac.config import JoinStep, Phase, SlacConfig, Timer
from evcc.slac.events import Failed, Matched, Progress, SlacEvent, ValidateToggle
from evcc.slac.mme import Mme, UnknownMmeError, build, fmt_mac, parse

Rng = Callable[[int], bytes]
FrameHandler = Callable[[Mme, float], None]
TimerHandler = Callable[[float], None]

__all__ = ["Phase", "Rng", "SlacConfig", "SlacEv", "Timer"]

#: Phases in which the machine is not running and peer frames are not acted on.
_AT_REST = (Phase.IDLE, Phase.FAILED)


class SlacEv:
    """The EV side of SLAC for one plug-in; ``start`` on CP state B with 5 % PWM."""

    def __init__(self, ev_mac: bytes, rng: Rng, config: SlacConfig | None = None) -> None:
        if len(ev_mac) != 6:
            raise SlacError("EV MAC must be 6 bytes")
        self.mac = ev_mac
        self.config = config or SlacConfig()
        self._t = self.config.timings
        self._rng = rng
        self.phase = Phase.IDLE
        #: Sub-step while :attr:`phase` is JOINING, else None.
        self.join_step: JoinStep | None = None
        #: Frames from peers that could not be parsed (ignored, counted).
        self.malformed_frames = 0
        self._out: list[bytes] = []
        self._events: deque[SlacEvent] = deque()
        self._timers: dict[Timer, float] = {}
        self._first_start = 0.0
        self._attempt_start = 0.0
        self._attempts = 0
        self._retries = 0
        self._run_id = bytes(8)
        self._evses: dict[bytes, EvseHeard] = {}
        self._batch_sent = 0
        self._candidates: list[bytes] = []
        self._chosen: bytes | None = None
        self._validate_round = 0
        self._nid = bytes(7)
        self._nmk = bytes(16)
        self._match_ms = 0.0
        self._on_timer: dict[Timer, TimerHandler] = {
            Timer.LEAVE: self._on_leave, Timer.PARM: self._on_parm, Timer.BATCH: self._on_batch,
            Timer.ATTEN: self._on_atten, Timer.VALIDATE: self._on_validate,
            Timer.MATCH: self._on_match, Timer.SETKEY: self._on_setkey,
            Timer.POLL: self._on_poll, Timer.JOIN: self._on_join, Timer.AMP: self._on_amp,
            Timer.RESTART: self._begin_attempt,
        }
        self._on_frame: dict[int, FrameHandler] = {
            k.CM_SET_KEY | k.CNF: self._rx_set_key_cnf,
            k.CM_SLAC_PARM | k.CNF: self._rx_parm_cnf,
            k.CM_ATTEN_CHAR | k.IND: self._rx_atten_char_ind,
            k.CM_VALIDATE | k.CNF: self._rx_validate_cnf,
            k.CM_SLAC_MATCH | k.CNF: self._rx_match_cnf,
            k.VS_PL_LINK_STATUS | k.CNF: self._rx_link_status_cnf,
            k.VS_NW_INFO | k.CNF: self._rx_nw_info_cnf,
            k.CM_AMP_MAP | k.REQ: self._rx_amp_map_req,
            k.CM_AMP_MAP | k.CNF: self._rx_amp_map_cnf,
        }

    # ------------------------------------------------------------------ driver API
    def start(self, now: float) -> None:
        """Begin matching (CP state B, 5 % PWM seen)."""
        if self.phase not in (Phase.IDLE, Phase.FAILED, Phase.MATCHED):
            raise SlacError(f"SLAC already running (phase {self.phase.value})")
        self._first_start = now
        self._attempts = 0
        self._begin_attempt(now)

    def stop(self) -> None:
        """Abort (CP state A): forget everything, send nothing more."""
        self.phase = Phase.IDLE
        self.join_step = None
        self._timers.clear()
        self._out.clear()

    def bytes_to_send(self) -> list[bytes]:
        """Frames to transmit now, in order."""
        out, self._out = self._out, []
        return out

    def next_event(self) -> SlacEvent | None:
        """The oldest pending event, or None."""
        return self._events.popleft() if self._events else None

    def timer(self) -> float | None:
        """Absolute time at which :meth:`handle_timer` must be called, or None."""
        return min(self._timers.values()) if self._timers else None

    def handle_timer(self, now: float) -> None:
        """Run every timer that has expired at ``now``."""
        while self._timers:
            timer, when = min(self._timers.items(), key=lambda item: item[1])
            if when > now:
                return
            del self._timers[timer]
            self._on_timer[timer](now)

    def receive(self, frame: bytes, now: float) -> None:
        """Process one received frame; anything unusable is ignored (malformed ones counted)."""
        try:
            msg = parse(frame)
        except UnknownMmeError:
            return
        except FrameError as exc:
            self.malformed_frames += 1
            if self.phase not in _AT_REST:
                self._progress(f"ignored malformed frame: {exc}", now)
            return
        if msg.dst not in (self.mac, k.BROADCAST_MAC) or msg.src == self.mac:
            return
        handler = self._on_frame.get(msg.mmtype)
        if handler is not None and self.phase not in _AT_REST:
            handler(msg, now)

    # ------------------------------------------------------------------ helpers
    def _send(self, mmtype: int, dst: bytes, **fields: Any) -> None:
        self._out.append(build(mmtype, dst, self.mac, fields))

    def _progress(self, detail: str, now: float) -> None:
        self._events.append(Progress(self.phase.value, detail, now))

    def _enter(self, phase: Phase, now: float, detail: str) -> None:
        self.phase = phase
        self.join_step = None
        self._timers.clear()
        self._retries = 0
        self._progress(detail, now)

    def _begin_attempt(self, now: float) -> None:
        self._attempts += 1
        self._attempt_start = now
        self._run_id = self._rng(8)
        self._evses = {}
        self._batch_sent = 0
        self._chosen = None
        if self.config.leave_network:
            self._enter(Phase.LEAVING, now, "CM_SET_KEY with a random NMK to leave any AVLN")
            self._send_leave_key()
            self._timers[Timer.LEAVE] = now + self._t.tt_match_response
        else:
            self._begin_parm(now)

    def _send_leave_key(self) -> None:
        nmk = self._rng(16)
        self._send(
            k.CM_SET_KEY | k.REQ, self.config.modem_mac,
            my_nonce=self._rng(4), nid=bytes(7), new_key=nmk,
        )

    def _begin_parm(self, now: float) -> None:
        self._enter(Phase.PARM, now, f"CM_SLAC_PARM.REQ run_id={self._run_id.hex()}")
        self._send_parm_req()
        self._timers[Timer.PARM] = now + self._t.tt_match_response

    def _send_parm_req(self) -> None:
        self._send(k.CM_SLAC_PARM | k.REQ, k.BROADCAST_MAC, run_id=self._run_id)

    def _fail_attempt(self, reason: str, now: float) -> None:
        """Apply the restart rules: wait TT_matching_rate, give up after TT_matching_repetition."""
        restart_at = now + self._t.tt_matching_rate
        if restart_at - self._first_start < self._t.tt_matching_repetition:
            self._enter(Phase.WAITING, now, f"attempt {self._attempts} failed: {reason}")
            self._timers[Timer.RESTART] = restart_at
            return
        self._enter(Phase.FAILED, now, reason)
        self._events.append(Failed(reason, self._attempts, now))

    def _evse(self, mac: bytes) -> EvseHeard:
        return self._evses.setdefault(mac, EvseHeard(mac))

    # ------------------------------------------------------------------ timers
    def _retry(
        self,
        timer: Timer,
        now: float,
        resend: Callable[[], None],
        give_up: Callable[[], None],
        *,
        missing: str | None = None,
        wait: float | None = None,
    ) -> None:
        """Resend and re-arm ``timer`` up to C_EV_match_retry times, then ``give_up``.

        ``missing`` names the answer that did not come, for a progress event per retry;
        ``wait`` defaults to TT_match_response.
        """
        if self._retries >= self._t.c_ev_match_retry:
            give_up()
            return
        self._retries += 1
        if missing is not None:
            self._progress(f"no {missing}, retry {self._retries}", now)
        resend()
        self._timers[timer] = now + (self._t.tt_match_response if wait is None else wait)

    def _on_leave(self, now: float) -> None:
        self._retry(Timer.LEAVE, now, self._send_leave_key, lambda: self._fail_attempt(
            "local modem does not answer CM_SET_KEY.REQ", now))

    def _on_parm(self, now: float) -> None:
        self._retry(Timer.PARM, now, self._send_parm_req, lambda: self._fail_attempt(
            "no CM_SLAC_PARM.CNF", now), missing="CM_SLAC_PARM.CNF")

    def _on_batch(self, now: float) -> None:
        n_start = self._t.c_ev_start_atten_char_inds
        n_sound = self._t.c_ev_match_mnbc
        if self._batch_sent < n_start:
            self._send(
                k.CM_START_ATTEN_CHAR | k.IND, k.BROADCAST_MAC,
                num_sounds=n_sound, time_out=self._t.time_out_code, resp_type=1,
                forwarding_sta=self.mac, run_id=self._run_id,
            )
        else:
            self._send(
                k.CM_MNBC_SOUND | k.IND, k.BROADCAST_MAC,
                sender_id=self.config.sender_id, cnt=n_start + n_sound - 1 - self._batch_sent,
                run_id=self._run_id, rnd=self._rng(16),
            )
        self._batch_sent += 1
        if self._batch_sent < n_start + n_sound:
            self._timers[Timer.BATCH] = now + self._t.tp_ev_batch_msg_interval
        else:
            self._progress(f"sent {n_start} CM_START_ATTEN_CHAR.IND + {n_sound} sounds", now)
            self._maybe_decide(now)

    def _on_atten(self, now: float) -> None:
        self._timers.pop(Timer.BATCH, None)
        self._decide(now)

    def _on_validate(self, now: float) -> None:
        self._retry(Timer.VALIDATE, now, self._send_validate,
                    lambda: self._next_candidate(now, "no CM_VALIDATE.CNF"))

    def _on_match(self, now: float) -> None:
        self._retry(Timer.MATCH, now, self._send_match_req, lambda: self._fail_attempt(
            "no CM_SLAC_MATCH.CNF", now), missing="CM_SLAC_MATCH.CNF")

    def _on_setkey(self, now: float) -> None:
        self._retry(Timer.SETKEY, now, self._send_set_key, lambda: self._fail_attempt(
            "local modem does not answer CM_SET_KEY.REQ with the AVLN key "
            f"(NID {self._nid.hex()})", now), missing="CM_SET_KEY.CNF for the AVLN key")

    def _on_poll(self, now: float) -> None:
        if self.config.link_check == "nw_info":
            self._send(k.VS_NW_INFO | k.REQ, self.config.modem_mac)
        else:
            self._send(k.VS_PL_LINK_STATUS | k.REQ, self.config.modem_mac)
        self._timers[Timer.POLL] = now + self._t.link_poll_interval

    def _on_join(self, now: float) -> None:
        self._fail_attempt("AVLN link not up within TT_match_join", now)

    def _on_amp(self, now: float) -> None:
        self._retry(Timer.AMP, now, self._send_amp_map, lambda: self._fail_attempt(
            "no CM_AMP_MAP.CNF", now), wait=self._t.tt_amp_map_exchange)

    # ------------------------------------------------------------------ receive handlers
    def _rx_set_key_cnf(self, msg: Mme, now: float) -> None:
        ok = msg["result"] in (0, 1)  # spec: 0 = success; QCA firmware answers 1
        if self.phase is Phase.LEAVING:
            self._begin_parm(now)
        elif self.phase is Phase.JOINING and self.join_step is JoinStep.KEYING:
            if not ok:
                self._fail_attempt(f"CM_SET_KEY.CNF result {msg['result']}", now)
                return
            del self._timers[Timer.SETKEY]
            self.join_step = JoinStep.LINKING
            self._progress("local modem accepted the AVLN key", now)
            if self.config.link_check == "none":
                self._link_up(now)
            else:
                self._timers[Timer.POLL] = now

    def _rx_parm_cnf(self, msg: Mme, now: float) -> None:
        if msg.dst != self.mac or msg["run_id"] != self._run_id:
            return
        if msg["forwarding_sta"] not in (self.mac, bytes(6)):
            return
        if self.phase not in (Phase.PARM, Phase.SOUNDING):
            return
        evse = self._evse(msg.src)
        if evse.parm_cnf:
            return
        evse.parm_cnf = True
        self._progress(f"CM_SLAC_PARM.CNF from {fmt_mac(msg.src)}", now)
        if self.phase is Phase.PARM:
            self._enter(Phase.SOUNDING, now, "sounding")
            self._timers[Timer.ATTEN] = now + self._t.tt_ev_atten_results
            self._timers[Timer.BATCH] = now

    def _rx_atten_char_ind(self, msg: Mme, now: float) -> None:
        if msg.dst != self.mac or msg["run_id"] != self._run_id:
            return
        if msg["source_address"] != self.mac:
            return
        if msg["num_sounds"] == 0 or msg["num_groups"] != k.NUM_GROUPS:
            self._progress(f"ignored CM_ATTEN_CHAR.IND from {fmt_mac(msg.src)}", now)
            return
        self._send(
            k.CM_ATTEN_CHAR | k.RSP, msg.src, source_address=self.mac, run_id=self._run_id,
            result=0,
        )
        if self.phase is not Phase.SOUNDING:
            return  # late: answered so the EVSE stops repeating, not considered
        evse = self._evse(msg.src)
        if evse.attenuation is None:
            evse.attenuation = sum(msg["aag"]) / len(msg["aag"])
            evse.sounds = msg["num_sounds"]
            self._progress(
                f"CM_ATTEN_CHAR.IND from {fmt_mac(msg.src)}: {evse.attenuation:.1f} dB "
                f"({evse.sounds} sounds)", now,
            )
        self._maybe_decide(now)

    def _rx_validate_cnf(self, msg: Mme, now: float) -> None:
        if self.phase is not Phase.VALIDATING or msg.src != self._chosen:
            return
        result = msg["result"]
        if result == 4 or (result == 2 and self._validate_round == 2):
            self._begin_match(now)
        elif result == 1 and self._validate_round == 1:
            self._validate_round = 2
            self._retries = 0
            self._send_validate()
            toggle = self._t.tt_evse_vald_toggle
            self._events.append(ValidateToggle(msg.src, toggle, now))
            self._timers[Timer.VALIDATE] = now + toggle + self._t.tt_match_response
        else:
            self._next_candidate(now, f"CM_VALIDATE result {result}")

    def _rx_match_cnf(self, msg: Mme, now: float) -> None:
        if self.phase is not Phase.MATCHING or msg.dst != self.mac:
            return
        if msg.src != self._chosen or msg["run_id"] != self._run_id:
            return
        if msg["pev_mac"] != self.mac:
            return
        self._nid, self._nmk = msg["nid"], msg["nmk"]
        self._match_ms = (now - self._attempt_start) * 1000.0
        self._enter(Phase.JOINING, now, f"CM_SLAC_MATCH.CNF nid={self._nid.hex()}")
        self.join_step = JoinStep.KEYING
        self._send_set_key()
        self._timers[Timer.SETKEY] = now + self._t.tt_match_response
        self._timers[Timer.JOIN] = now + self._t.tt_match_join

    def _rx_link_status_cnf(self, msg: Mme, now: float) -> None:
        if self.join_step is JoinStep.LINKING and msg["link_status"]:
            self._link_up(now)

    def _rx_nw_info_cnf(self, msg: Mme, now: float) -> None:
        if self.join_step is not JoinStep.LINKING:
            return
        for net in msg["networks"]:
            if net["nid"] == self._nid and net["stations"]:
                self._link_up(now)
                return

    def _rx_amp_map_req(self, msg: Mme, now: float) -> None:
        if msg.dst == self.mac and self.phase in (Phase.AMP_MAP, Phase.MATCHED, Phase.JOINING):
            self._send(k.CM_AMP_MAP | k.CNF, msg.src, res_type=0)

    def _rx_amp_map_cnf(self, msg: Mme, now: float) -> None:
        if self.phase is Phase.AMP_MAP and msg.src == self._chosen:
            if msg["res_type"] != 0:
                self._fail_attempt(f"CM_AMP_MAP.CNF result {msg['res_type']}", now)
            else:
                self._finish(now)

    # ------------------------------------------------------------------ decisions
    def _maybe_decide(self, now: float) -> None:
        n_total = self._t.c_ev_start_atten_char_inds + self._t.c_ev_match_mnbc
        if not self.config.early_decision or self._batch_sent < n_total:
            return
        if all_reported(self._evses.values()):
            self._decide(now)

    def _decide(self, now: float) -> None:
        ranked = rank(self._evses.values(), self.config.max_attenuation_db)
        if isinstance(ranked, str):
            self._fail_attempt(ranked, now)
            return
        self._candidates = ranked
        self._next_candidate(now, None)

    def _next_candidate(self, now: float, why: str | None) -> None:
        if why is not None:
            self._progress(f"EVSE {fmt_mac(self._chosen or bytes(6))} rejected: {why}", now)
        if not self._candidates:
            self._fail_attempt(why or "no EVSE left", now)
            return
        self._chosen = self._candidates.pop(0)
        if self.config.validate:
            self._enter(Phase.VALIDATING, now, f"CM_VALIDATE with {fmt_mac(self._chosen)}")
            self._validate_round = 1
            self._send_validate()
            self._timers[Timer.VALIDATE] = now + self._t.tt_match_response
        else:
            self._begin_match(now)

    def _send_validate(self) -> None:
        timer = 0 if self._validate_round == 1 else self.config.validate_timer_code
        assert self._chosen is not None
        self._send(k.CM_VALIDATE | k.REQ, self._chosen, signal_type=0, timer=timer, result=1)

    def _begin_match(self, now: float) -> None:
        assert self._chosen is not None
        self._enter(Phase.MATCHING, now, f"CM_SLAC_MATCH.REQ to {fmt_mac(self._chosen)}")
        self._send_match_req()
        self._timers[Timer.MATCH] = now + self._t.tt_match_response

    def _send_match_req(self) -> None:
        assert self._chosen is not None
        self._send(
            k.CM_SLAC_MATCH | k.REQ, self._chosen, mvf_length=0x3E, pev_id=self.config.sender_id,
            pev_mac=self.mac, evse_mac=self._chosen, run_id=self._run_id,
        )

    def _send_set_key(self) -> None:
        self._send(
            k.CM_SET_KEY | k.REQ, self.config.modem_mac,
            my_nonce=self._rng(4), nid=self._nid, new_key=self._nmk,
        )

    def _link_up(self, now: float) -> None:
        if self.config.amp_map is not None:
            self._enter(Phase.AMP_MAP, now, "AVLN up, CM_AMP_MAP.REQ")
            self._send_amp_map()
            self._timers[Timer.AMP] = now + self._t.tt_amp_map_exchange
        else:
            self._finish(now)

    def _send_amp_map(self) -> None:
        assert self._chosen is not None and self.config.amp_map is not None
        amdata = self.config.amp_map
        amlen = self.config.amp_map_carriers or len(amdata) * 2
        self._send(k.CM_AMP_MAP | k.REQ, self._chosen, amlen=amlen, amdata=amdata)

    def _finish(self, now: float) -> None:
        assert self._chosen is not None
        self._enter(Phase.MATCHED, now, f"matched with {fmt_mac(self._chosen)}")
        attenuation = {
            e.mac: e.attenuation for e in self._evses.values() if e.attenuation is not None
        }
        self._events.append(
            Matched(
                evse_mac=self._chosen, nid=self._nid, run_id=self._run_id,
                attenuation_db=attenuation, duration_ms=(now - self._first_start) * 1000.0,
                match_ms=self._match_ms, attempts=self._attempts, at=now,
            )
        )

