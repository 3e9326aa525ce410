"""Putting an engine together from what is configured on this PC (or QBSF_* variables)."""

from __future__ import annotations

from app.context import AppContext
from app.domain.fieldmap import MappingConfig
from app.domain.mapping_file import default_mapping, parse_mapping
from app.engine.connections import RefresherFactory, quickbooks_from, salesforce_from
from app.engine.context import EngineSettings
from app.engine.engine import SyncEngine
from app.store import DamagedSettingError


def load_mapping(ctx: AppContext) -> MappingConfig:
    """The user's field-map file when there is one (MappingFileError if it is invalid)."""
    path = ctx.paths.mapping_file
    if path.is_file():
        return parse_mapping(path.read_bytes(), source=str(path))
    return default_mapping()


def engine_settings(ctx: AppContext) -> EngineSettings:
    reserve = _number(ctx, "salesforce.api_reserve", EngineSettings.api_reserve)
    threshold = _number(ctx, "salesforce.bulk_threshold", EngineSettings.bulk_threshold)
    return EngineSettings(api_reserve=float(reserve), bulk_threshold=int(threshold))


def _number(ctx: AppContext, key: str, default: float) -> float:
    value = ctx.store.get_setting(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DamagedSettingError(ctx.store.path, key)
    return value


def open_engine(ctx: AppContext, refresher_factory: RefresherFactory | None = None) -> SyncEngine:
    quickbooks = quickbooks_from(ctx.store, ctx.credentials)
    salesforce = salesforce_from(ctx.store, ctx.credentials, ctx.paths.data_dir, refresher_factory)
    return SyncEngine(
        store=ctx.store,
        quickbooks=quickbooks,
        salesforce=salesforce,
        mapping=load_mapping(ctx),
        lock_path=ctx.paths.run_lock,
        settings=engine_settings(ctx),
    )
