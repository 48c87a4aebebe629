/**
 * Coded concepts (PS3.3 8.8 Code Sequence macro) used by the SEG and SR writers. Meanings are
 * the code systems' own (DCM from PS3.16, SCT = SNOMED CT, UCUM units).
 */
import type { DicomItem } from './encode.js';

export interface CodedConcept {
  readonly value: string;
  /** Coding scheme designator: 'SCT' (SNOMED CT), 'DCM', 'UCUM', ... */
  readonly scheme: string;
  readonly meaning: string;
}

export function codeItem(code: CodedConcept): DicomItem {
  return { CodeValue: code.value, CodingSchemeDesignator: code.scheme, CodeMeaning: code.meaning };
}

export function codeSequence(code: CodedConcept): DicomItem[] {
  return [codeItem(code)];
}

export const CODES = {
  segmentation: { value: '113076', scheme: 'DCM', meaning: 'Segmentation' },
  sourceImageForProcessing: { value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' },
  artificialIntelligence: { value: '123110', scheme: 'DCM', meaning: 'Artificial Intelligence' },
  // SR (TID 1500 and its sub-templates)
  imagingMeasurementReport: { value: '126000', scheme: 'DCM', meaning: 'Imaging Measurement Report' },
  languageOfContent: { value: '121049', scheme: 'DCM', meaning: 'Language of Content Item and Descendants' },
  englishUs: { value: 'en-US', scheme: 'RFC5646', meaning: 'English (United States)' },
  observerType: { value: '121005', scheme: 'DCM', meaning: 'Observer Type' },
  device: { value: '121007', scheme: 'DCM', meaning: 'Device' },
  deviceObserverUid: { value: '121012', scheme: 'DCM', meaning: 'Device Observer UID' },
  deviceObserverName: { value: '121013', scheme: 'DCM', meaning: 'Device Observer Name' },
  deviceObserverManufacturer: { value: '121014', scheme: 'DCM', meaning: 'Device Observer Manufacturer' },
  deviceObserverModelName: { value: '121015', scheme: 'DCM', meaning: 'Device Observer Model Name' },
  procedureReported: { value: '121058', scheme: 'DCM', meaning: 'Procedure reported' },
  imagingProcedure: { value: '363679005', scheme: 'SCT', meaning: 'Imaging procedure' },
  imageLibrary: { value: '111028', scheme: 'DCM', meaning: 'Image Library' },
  imageLibraryEntry: { value: '260753009', scheme: 'SCT', meaning: 'Source' },
  imageRegion: { value: '111030', scheme: 'DCM', meaning: 'Image Region' },
  volumeSurface: { value: '121231', scheme: 'DCM', meaning: 'Volume Surface' },
  imageLibraryGroup: { value: '126200', scheme: 'DCM', meaning: 'Image Library Group' },
  imagingMeasurements: { value: '126010', scheme: 'DCM', meaning: 'Imaging Measurements' },
  qualitativeEvaluations: { value: '126011', scheme: 'DCM', meaning: 'Qualitative Evaluations' },
  measurementGroup: { value: '125007', scheme: 'DCM', meaning: 'Measurement Group' },
  trackingIdentifier: { value: '112039', scheme: 'DCM', meaning: 'Tracking Identifier' },
  trackingUid: { value: '112040', scheme: 'DCM', meaning: 'Tracking Unique Identifier' },
  finding: { value: '121071', scheme: 'DCM', meaning: 'Finding' },
  referencedSegment: { value: '121191', scheme: 'DCM', meaning: 'Referenced Segment' },
  sourceSeriesForSegmentation: { value: '121232', scheme: 'DCM', meaning: 'Source series for segmentation' },
  volume: { value: '118565006', scheme: 'SCT', meaning: 'Volume' },
  cubicMillimetre: { value: 'mm3', scheme: 'UCUM', meaning: 'cubic millimeter' },
  millimetre: { value: 'mm', scheme: 'UCUM', meaning: 'millimeter' },
  noUnits: { value: '1', scheme: 'UCUM', meaning: 'no units' },
  length: { value: '410668003', scheme: 'SCT', meaning: 'Length' },
  width: { value: '103355008', scheme: 'SCT', meaning: 'Width' },
  height: { value: '121207', scheme: 'DCM', meaning: 'Height' },
  algorithmName: { value: '111001', scheme: 'DCM', meaning: 'Algorithm Name' },
  algorithmVersion: { value: '111003', scheme: 'DCM', meaning: 'Algorithm Version' },
  present: { value: '52101004', scheme: 'SCT', meaning: 'Present' },
  absent: { value: '2667000', scheme: 'SCT', meaning: 'Absent' },
  // Generic SEG property codes, used when a manifest label states none.
  tissue: { value: '85756007', scheme: 'SCT', meaning: 'Tissue' },
  morphologicallyAlteredStructure: { value: '49755003', scheme: 'SCT', meaning: 'Morphologically Altered Structure' },
  anatomicalStructure: { value: '91723000', scheme: 'SCT', meaning: 'Anatomical Structure' },
} as const satisfies Record<string, CodedConcept>;
