"""The process owners' facade: the only engine entry for the modeler, its CLI and the demo.

Clinical work goes through `engine.service`; everything that changes, reviews, compares or
migrates definition versions goes through here. Each name is the engine's own function,
re-exported so callers never reach into the subpackages (tests/unit/test_layering.py).
"""
from engine.definitions.diff import diff_bundles
from engine.definitions.impact import affected_elements
from engine.definitions.names import known_names
from engine.definitions.parsing import MAX_FILE_BYTES, content_hash, form_id_of, parse_bundle
from engine.definitions.proposals import (
    added_names,
    apply_changes,
    approve,
    check_candidate,
    propose,
    rebase,
    reject,
    rollback,
)
from engine.definitions.rebasing import rebase_changes
from engine.definitions.review import approved_versions, require_approved, was_approved
from engine.definitions.versions import (
    bundle_of,
    current_version,
    deploy_bundle,
    deploy_directory,
    export_version,
    find_existing,
    get_version,
    known_form_ids,
    latest_version,
    read_directory,
    read_source,
)
from engine.migration.jobs import (
    auto_migrate_if_safe,
    create_job,
    failures,
    get_job,
    progress,
    run_batch,
    set_auto_migrate,
    set_state,
)
from engine.migration.models import MigrationItem, MigrationJob, VersionMigrationPolicy
from engine.migration.moves import NotMigratable, dry_run, grouped
from engine.runtime.trace import collecting as collecting_reached
from engine.sandbox.expressions import check_expression
from engine.sandbox.failures import counts_by_version
from engine.sandbox.isolation import configure as configure_sandbox
from engine.sandbox.isolation import (
    enter_lane,
    lane,
    lane_size,
    leave_lane,
    lower_process_priority,
    lower_thread_priority,
    owner_work,
    priority_code,
    process_group,
)
from engine.sandbox.isolation import settings as sandbox_settings
from engine.service import migrate_pathway

__all__ = [
    # versions and their files
    "bundle_of", "content_hash", "current_version", "deploy_bundle", "deploy_directory",
    "export_version", "find_existing", "form_id_of", "get_version", "known_form_ids",
    "latest_version", "MAX_FILE_BYTES", "parse_bundle", "read_directory", "read_source",
    # proposing and reviewing
    "added_names", "apply_changes", "approve", "check_candidate", "check_expression", "diff_bundles",
    "known_names", "propose", "rebase", "rebase_changes",
    # choosing the scenarios a change can alter
    "affected_elements", "collecting_reached",
    "reject", "rollback", "counts_by_version",
    # four eyes: the one rule for what may become current or receive pathways
    "approved_versions", "require_approved", "was_approved",
    # migrating running pathways
    "auto_migrate_if_safe", "create_job", "dry_run", "failures", "get_job", "grouped",
    "migrate_pathway", "MigrationItem", "MigrationJob", "NotMigratable", "progress", "run_batch",
    "set_auto_migrate", "set_state", "VersionMigrationPolicy",
    # process owners' evaluations use their own sandbox pool, never a clinician's
    "enter_lane", "lane", "lane_size", "leave_lane", "owner_work",
    # owners' work apart from the web process: a child's sandbox settings, a low-priority thread
    "configure_sandbox", "lower_process_priority", "lower_thread_priority", "priority_code",
    "process_group",
    "sandbox_settings",
]
