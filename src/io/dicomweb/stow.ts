/**
 * STOW-RS (PS3.18 10.5): one multipart/related POST of Part-10 instances, and the reading of its
 * answer. The store response is a DICOM JSON dataset with ReferencedSOPSequence (stored) and
 * FailedSOPSequence (refused, each with a FailureReason). Any failed instance - whatever the HTTP
 * status (200 with failures is seen in the field, 202 is "some failed", 409 "all failed") - is an
 * HttpError listing the SOP instance UIDs and reason codes (UIDs only: no patient attributes).
 */
import { HttpError } from '../../core/errors.js';
import { JSON_TAG, jsonNumber, jsonString, jsonValues, parseDatasetArray, type DicomJsonDataset } from './dicom-json.js';

export interface StoredInstance {
  readonly sopClassUid?: string;
  readonly sopInstanceUid: string;
  /** WarningReason (0008,1196) when the server stored it with a warning (e.g. coerced values). */
  readonly warning?: number;
}

export interface StoreResult {
  readonly stored: readonly StoredInstance[];
}

export interface FailedInstance {
  readonly sopInstanceUid?: string;
  /** FailureReason (0008,1197), e.g. 0xA700 out of resources, 0xC000 cannot understand. */
  readonly reason?: number;
}

function items(ds: DicomJsonDataset, tag: string): DicomJsonDataset[] {
  return jsonValues(ds, tag).filter((v): v is DicomJsonDataset => v !== null && typeof v === 'object');
}

/** Reads a STOW-RS answer body; throws HttpError when anything failed. */
export function readStoreResponse(status: number, text: string, url: string, sent: number): StoreResult {
  const where = `POST ${url}`;
  let ds: DicomJsonDataset = {};
  if (text.trim() !== '') {
    // Servers send one dataset; some wrap it in an array like QIDO answers.
    const trimmed = text.trim();
    ds = trimmed.startsWith('[') ? (parseDatasetArray(trimmed, where)[0] ?? {}) : (parseDatasetArray(`[${trimmed}]`, where)[0] ?? {});
  }
  const stored = items(ds, JSON_TAG.referencedSopSequence).map((it) => {
    const warning = jsonNumber(it, JSON_TAG.warningReason);
    const sopClassUid = jsonString(it, JSON_TAG.referencedSopClassUid);
    return {
      sopInstanceUid: jsonString(it, JSON_TAG.referencedSopInstanceUid) ?? '',
      ...(sopClassUid ? { sopClassUid } : {}),
      ...(warning !== undefined ? { warning } : {}),
    };
  });
  const failed: FailedInstance[] = items(ds, JSON_TAG.failedSopSequence).map((it) => {
    const reason = jsonNumber(it, JSON_TAG.failureReason);
    const sopInstanceUid = jsonString(it, JSON_TAG.referencedSopInstanceUid);
    return { ...(sopInstanceUid ? { sopInstanceUid } : {}), ...(reason !== undefined ? { reason } : {}) };
  });
  if (failed.length > 0 || status === 409 || (status === 202 && stored.length < sent)) {
    const reasons = [...new Set(failed.map((f) => (f.reason === undefined ? '?' : `0x${f.reason.toString(16).toUpperCase()}`)))].join(', ');
    throw new HttpError(
      url,
      status,
      `${where}: STOW-RS refused ${failed.length || sent - stored.length} of ${sent} instance(s)${reasons ? ` (FailureReason ${reasons})` : ''}`,
      { failed, storedCount: stored.length },
    );
  }
  if (stored.length === 0 && sent > 0 && text.trim() !== '') {
    throw new HttpError(url, status, `${where}: STOW-RS answer lists none of the ${sent} instance(s) sent`, { storedCount: 0 });
  }
  return { stored };
}
