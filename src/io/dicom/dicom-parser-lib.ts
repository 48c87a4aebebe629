/**
 * dicom-parser ships a UMD bundle: Node's ESM loader exposes it only as `default`, bundlers may
 * expose the named exports. Resolve both once here so the rest of the reader sees one typed API.
 */
import * as dicomParserNs from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';

export type DicomParserLib = typeof dicomParserNs;
export type { DataSet, Element };

export const dicomParser: DicomParserLib =
  (dicomParserNs as unknown as { default?: DicomParserLib }).default ?? dicomParserNs;
