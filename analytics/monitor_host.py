"""What the parts of a tank's engine may use of it: the state and methods of their host, typed.

:class:`analytics.monitor.TankMonitor` is assembled from mixins, one module each
(:mod:`analytics.tank_rules`, :mod:`analytics.probes`, :mod:`analytics.drift`,
:mod:`analytics.days`, :mod:`analytics.quality`); their state lives on the
monitor, which the analytics state saves and restores.  :class:`MonitorHost`
declares that state, the monitor's plumbing and the few methods one part calls
on another, so the type checker knows what ``self`` holds inside each part and
checks the monitor's fields and the parts' methods against the declarations.

Each mixin derives from :data:`HostBase`: :class:`MonitorHost` for the type
checker, plain ``object`` at run time (the monitor's MRO and attribute lookups
stay what they were).  It is a plain class with abstract methods rather than a
``typing.Protocol``: mypy takes an assignment to an undefaulted protocol
attribute in an explicit subclass (``self.baseline = ...`` in a mixin) as a new
definition with an inferred type, which loses the declared one.

To give a part a new piece of state: add the field to ``TankMonitor`` and
declare it here (tests/test_analytics_monitor.py checks every field is); to
call another part's method, declare its signature here.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from analytics.alerts import AlertState
    from analytics.baseline import DayNightBaseline
    from analytics.catalogue import Transition
    from analytics.days import DayRecord, ForecastPoint
    from analytics.drift_fortnight import FortnightMemory
    from analytics.drift_weekly import WeekMemory
    from analytics.flow_trend import FlowWatch
    from analytics.forecast import LocalLinearTrend
    from analytics.level_dips import LevelDips
    from analytics.level_hinge import HingeTails
    from analytics.monitor import MonitorSettings
    from analytics.probe_quiet import QuietFloor
    from analytics.profiles import Profile
    from analytics.pump_watch import PumpOffWatch
    from analytics.quality import QualityWatch
    from analytics.routine_stop import RoutineStops
    from analytics.top_off_watch import TopOffWatch
    from analytics.water_change import DrainUnderWay, PastDrain

    Array = NDArray[np.float64]


class MonitorHost:
    """The state (every field) and the methods of :class:`analytics.monitor.TankMonitor` that its parts use."""

    tank: str
    settings: MonitorSettings
    profile: Profile
    alerts: dict[str, AlertState]
    excluded: list[tuple[int, int]]  # spans kept out of learning (drift, maintenance)
    maintenance_until_ms: int
    open_evaluation_ms: int | None
    _current: dict[str, float]
    _peaks: dict[str, float]
    # drift: the day/night baseline and what is learned from it
    baseline: DayNightBaseline | None
    fitted_at_ms: int
    healthy_threshold: float
    temp_trend_tail: tuple[float, float]  # healthy 15-min temperature trends, falling / rising (°C/h)
    ph_trend_tail: tuple[float, float]  # healthy 15-min pH trends away from usual, falling / rising (/h)
    level_fall_tail: float  # the sump level's healthy 15-minute falls (cm/h)
    level_steady: tuple[float, float, float]  # healthy steady falls, rises, usual fall (cm/h)
    level_wobble: float  # the level's usual minute-to-minute wobble (cm) (analytics/probes.py)
    usual_flow: float  # the filter's usual flow while the pump runs (l/min)
    flow_watch: FlowWatch  # its clean flow and healthy spread, for flow_reduced
    top_off: TopOffWatch  # the band an automatic top-off holds the level in, for top_off_behind
    pump_off: PumpOffWatch  # the keeper's pump-off spans, for pump_left_off
    routine_stops: RoutineStops  # the flow's stops that ended by themselves, for the keeper's routine
    level_dips: LevelDips  # the mark a float valve holds the level at and its everyday dip
    level_hinge: HingeTails  # the healthy tails of a level's fall since a hinge (analytics/level_hinge.py)
    thermostat: tuple[float, ...]  # the thermostat's cycle (analytics.thermostat.Cycle's fields; () none)
    thermostat_at_ms: int  # the baseline fit it was learned at
    relevelled_by: Array | None  # how far the baseline's level moved since its last full fit
    daily_shape: Array | None
    cov: Array | None
    day_to_day_var: Array | None
    learn_from_ms: int
    relevel_pending: bool
    settling: list[str]  # after a water change: channels out of the drift until back near usual
    outage_end_ms: int  # readings came back after the device was offline (analytics.outage)
    # probes: each probe's usual wobble
    noise: dict[str, float]
    noise_at_ms: int
    noise_level: dict[str, float]
    probe_steps: dict[str, tuple[int, float, float, bool]]  # latest lasting step: ms, size, before, back?
    fastest_minute: dict[str, float]  # the water's fastest healthy change in a minute, per inert probe
    repeat_chance: dict[str, float]  # how often a healthy reading repeats the one before exactly
    wobble_gone_ms: dict[str, int]  # since when each probe's wobble collapsed (stuck)
    noise_renewed: dict[str, int]  # the step each probe's wobble was learned after (analytics/probes.py)
    missed: dict[str, float]  # how often a healthy probe misses a reading the others make (analytics/probe_gaps.py)
    quiet: dict[str, QuietFloor]  # the quietest a healthy probe's window gets (analytics/probe_quiet.py)
    offset_spans: list[tuple[str, int, int, float]]  # a probe's standing offsets: channel, from, to, size
    # rules and firmware events
    device_online: dict[str, bool]
    event_until_ms: dict[str, int]
    event_detail: dict[str, str]
    ph_before_crash: float
    ph_before_rise: float
    # days, forecasts and water changes
    forecasts: dict[str, LocalLinearTrend]
    last_forecast: dict[str, ForecastPoint]
    day_rows: dict[str, list[float]]
    day_start_ms: int | None
    day_fired: list[Transition]
    day_notes: list[str]
    finished_days: list[DayRecord]
    last_row_ms: int
    last_water_change_ms: int
    last_tds_change_ms: int
    drain: DrainUnderWay | None
    drain_end_ms: int
    water_moved_ms: int
    level_lost_below_cm: float
    last_refill_ms: int
    level_lost_why: str
    keeper_drains: list[PastDrain]
    drift_held_until: dict[str, int]
    told_departures: dict[str, list[float]]  # departures told: reading -> [departure, told ms, back since ms]

    recovery_tau_h: list[float]  # the heater rules' recovery time constants after recent water changes (h)
    recovery_fit_ms: int
    change_steps: list[tuple[int, float]]  # the recent water changes (ms) and how far they moved the water (°C)
    top_ups: list[tuple[int, float, float, float]]  # (start ms, TDS ratio it explains, rise cm, level cm)
    week_memory: WeekMemory | None  # the drift's departures of the last two weeks (saved with the state)
    fortnight_memory: FortnightMemory | None  # the water's temperature of the last fifteen healthy days (saved)
    # the quality watch
    quality: QualityWatch | None

    # ------------------------------------------------ the monitor's plumbing (analytics/monitor.py)
    @abstractmethod
    def _alert(self, key: str) -> AlertState: ...

    @abstractmethod
    def firing(self, key: str) -> bool: ...

    @abstractmethod
    def _learnable(self, t_ms: Array) -> NDArray[np.bool_]: ...

    @abstractmethod
    def _exclude(self, start: int, end: int) -> None: ...

    @abstractmethod
    def in_maintenance(self, now_ms: int) -> bool: ...

    @abstractmethod
    def accept_change(self, at_ms: int) -> None: ...

    @abstractmethod
    def _rule(self, key: str, condition: bool, now_ms: int, value: float, summary: str) -> list[Transition]: ...

    @staticmethod
    @abstractmethod
    def _recent(t_ms: Array, y: Array, now_ms: int, minutes: int) -> tuple[Array, Array]: ...

    @staticmethod
    @abstractmethod
    def _last(y: Array) -> float: ...

    # ------------------------------------------------ one part's methods that another part calls
    @abstractmethod
    def _usual(self, now_ms: int) -> Array: ...  # drift, for the rules' "usual temperature"

    @abstractmethod
    def _stuck_or_noisy(self) -> set[str]: ...  # drift, for probes and the quality watch

    @abstractmethod
    def _ageing_sensors(self) -> set[str]: ...  # drift, for the quality watch

    @abstractmethod
    def _usual_series(self, name: str, t_ms: Array, frame: dict[str, Array],
                      shape_only: bool = False) -> Array | None: ...  # drift, rules

    @abstractmethod
    def _residual_sd(self, name: str, frame: dict[str, Array]) -> float: ...  # drift, for the rules' trends

    @abstractmethod
    def _tds_dropping(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> bool: ...  # days, for the rules

    @abstractmethod
    def water_moving(self, now_ms: int) -> bool: ...  # days, for the level and flow rules

    @abstractmethod
    def water_held(self, now_ms: int) -> set[str]: ...  # days, for the drift

    @abstractmethod
    def outage_held(self, now_ms: int, t_ms: Array, X: Array, names: list[str]) -> set[str]: ...  # outage, drift

    @abstractmethod
    def _residuals(self, t_ms: Array, X: Array) -> Array: ...  # drift, for the outage's departures

    @abstractmethod
    def _first_drain_hint(self) -> str: ...  # days, for the level rule's words

    @abstractmethod
    def refilled_lately(self, now_ms: int) -> bool: ...  # days, for the flow rule's words

    @abstractmethod
    def _read_off(self, t_ms: Array) -> NDArray[np.bool_]: ...  # probes, for the drift's daily course

    @abstractmethod
    def _probe_stepped(self, name: str, t_ms: Array, raw: dict[str, Array], now_ms: int) -> bool: ...  # probes, rules


if TYPE_CHECKING:
    HostBase = MonitorHost
else:
    HostBase = object  # the mixins are plain classes at run time
