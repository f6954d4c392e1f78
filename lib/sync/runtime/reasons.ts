/**
 * Reason codes: why a record was skipped, added, deleted or kept. The engine stores the code (plus an
 * optional free detail such as a vendor's message, and parameters in `detail`); the UI translates it by key
 * (lib/i18n/*.ts `reasons`). Never store a sentence and match it back.
 */
export const REASON_CODES = [
  // shared by every pillar
  'crm_rejected',
  'provider_rejected',
  'unreadable_record',
  'restored',
  'run_reset_by_watchdog',
  // contacts (C12, B3, B5, B6, B10)
  'contacts.missing_first_name',
  'contacts.missing_last_name',
  'contacts.missing_contact_point',
  'contacts.no_name',
  'contacts.matched_by_email',
  'contacts.recovered',
  'contacts.edit_beats_crm_delete',
  'contacts.recreated_in_provider',
  'contacts.edit_beats_provider_delete',
  'contacts.duplicate_removed',
  'contacts.deleted_in_provider',
  'contacts.deleted_in_crm',
  'contacts.field_conflict',
  'contacts.stamp_not_ours',
  // files (F3–F9, B3, B4)
  'files.folder_created',
  'files.folder_moved',
  'files.too_large',
  'files.crm_cannot_receive_uploads',
  'files.crm_cannot_rename',
  'files.not_downloadable',
  'files.crm_no_folders_flattened',
  'files.crm_one_folder_level_flattened',
  'files.conflicted_copy',
  'files.deleted_in_crm',
  'files.deleted_in_dropbox',
  // signatures (S2, S3, B4, B7)
  'signatures.original_archived',
  'signatures.signed_archived',
  'signatures.attached_to_record',
  'signatures.no_crm_record',
  'signatures.ambiguous_record',
  'signatures.attach_failed',
  'signatures.archive_failed',
  'signatures.files_not_ready',
  'signatures.declined',
  'signatures.request_error',
  'signatures.completed_before_activation',
  'signatures.request_canceled',
  // signatures, team archive (S4)
  'signatures.team_folder_created',
  'signatures.team_folder_shared',
  'signatures.team_share_refused',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && (REASON_CODES as readonly string[]).includes(value);
}

/** What a run is doing now (sync_runs.phase), translated by key in the UI. */
export const PHASES = ['starting', 'reading_provider', 'preparing', 'sending_crm_changes', 'removing_deleted', 'waiting_for_deletes', 'done'] as const;
export type Phase = (typeof PHASES)[number];
