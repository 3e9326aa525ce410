"""Putting an engine together from what is configured on this PC (or QBSF_* variables)."""

from __future__ import annotations

from app.context import AppContext
from app.domain.fieldmap import MappingConfig
from app.domain.mapping_file import default_mapping, parse_mapping
from app.engine.connections import RefresherFactory, quickbooks_from, salesforce_from
from app.engine.context import EngineSettings
from app.engine.engine import SyncEngine


def load_mapping(ctx: AppContext) -> MappingConfig:
    """The user's field-map file when there is one (MappingFileError if it is invalid)."""
    path = ctx.paths.mapping_file
    if path.is_file():
        return parse_mapping(path.read_bytes(), source=str(path))
    return default_mapping()


def engine_settings(ctx: AppContext) -> EngineSettings:
    return EngineSettings.saved(ctx.store)


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
