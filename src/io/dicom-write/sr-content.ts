/**
 * SR content items (PS3.3 C.17.3) as DicomItems: one builder per value type, each taking the
 * relationship to its parent. Numbers are DS (16 characters), coordinates FL, as PS3.3 requires.
 */
import { codeSequence, type CodedConcept } from './codes.js';
import type { DicomItem } from './encode.js';

export type Relationship = 'CONTAINS' | 'HAS CONCEPT MOD' | 'HAS OBS CONTEXT' | 'HAS PROPERTIES' | 'INFERRED FROM' | 'SELECTED FROM';

function base(relationship: Relationship | undefined, valueType: string, name: CodedConcept | undefined): Record<string, DicomItem[keyof DicomItem]> {
  return {
    ...(relationship === undefined ? {} : { RelationshipType: relationship }),
    ValueType: valueType,
    ...(name === undefined ? {} : { ConceptNameCodeSequence: codeSequence(name) }),
  };
}

function withChildren(item: Record<string, DicomItem[keyof DicomItem]>, children: readonly DicomItem[] | undefined): DicomItem {
  return children === undefined || children.length === 0 ? item : { ...item, ContentSequence: children };
}

export function containerItem(relationship: Relationship | undefined, name: CodedConcept, children: readonly DicomItem[], template?: string): DicomItem {
  return {
    ...base(relationship, 'CONTAINER', name),
    ContinuityOfContent: 'SEPARATE',
    ...(template === undefined ? {} : { ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: template }] }),
    ContentSequence: children,
  };
}

export function textItem(relationship: Relationship, name: CodedConcept, text: string, children?: readonly DicomItem[]): DicomItem {
  return withChildren({ ...base(relationship, 'TEXT', name), TextValue: text }, children);
}

export function codeItem(relationship: Relationship, name: CodedConcept, value: CodedConcept, children?: readonly DicomItem[]): DicomItem {
  return withChildren({ ...base(relationship, 'CODE', name), ConceptCodeSequence: codeSequence(value) }, children);
}

export function uidrefItem(relationship: Relationship, name: CodedConcept, uid: string): DicomItem {
  return { ...base(relationship, 'UIDREF', name), UID: uid };
}

export function numItem(relationship: Relationship, name: CodedConcept, value: number, unit: CodedConcept, children?: readonly DicomItem[]): DicomItem {
  return withChildren(
    { ...base(relationship, 'NUM', name), MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: codeSequence(unit), NumericValue: value }] },
    children,
  );
}

export interface SopReference {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly segmentNumber?: number;
}

/** IMAGE reference; `name` may be left out only where the template gives none (SELECTED FROM). */
export function imageItem(relationship: Relationship, name: CodedConcept | undefined, ref: SopReference): DicomItem {
  return {
    ...base(relationship, 'IMAGE', name),
    ReferencedSOPSequence: [
      {
        ReferencedSOPClassUID: ref.sopClassUid,
        ReferencedSOPInstanceUID: ref.sopInstanceUid,
        ...(ref.segmentNumber === undefined ? {} : { ReferencedSegmentNumber: ref.segmentNumber }),
      },
    ],
  };
}

/** SCOORD3D: points as flat x, y, z triplets in mm (LPS) in the given frame of reference. */
export function scoord3dItem(
  relationship: Relationship,
  name: CodedConcept,
  graphicType: 'POINT' | 'ELLIPSOID' | 'POLYGON' | 'POLYLINE',
  points: readonly number[],
  frameOfReferenceUid: string,
): DicomItem {
  return { ...base(relationship, 'SCOORD3D', name), ReferencedFrameOfReferenceUID: frameOfReferenceUid, GraphicType: graphicType, GraphicData: points };
}

/** SCOORD: 2D pixel coordinates (column, row; (0, 0) is the top-left corner of the first pixel) on the referenced image. */
export function scoordItem(
  relationship: Relationship,
  name: CodedConcept,
  graphicType: 'POINT' | 'POLYLINE',
  points: readonly number[],
  image: SopReference,
): DicomItem {
  return {
    ...base(relationship, 'SCOORD', name),
    GraphicType: graphicType,
    GraphicData: points,
    ContentSequence: [imageItem('SELECTED FROM', undefined, image)],
  };
}
