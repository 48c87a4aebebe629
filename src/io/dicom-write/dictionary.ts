/**
 * The attributes the writers emit, keyword -> (tag, VR), from PS3.6. Only what SEG / SR and the
 * copied patient / study modules need: a keyword missing here is a programming error (thrown),
 * never a guessed VR.
 */
import { UsageError } from '../../core/errors.js';

const TABLE = `
FileMetaInformationGroupLength 00020000 UL
FileMetaInformationVersion 00020001 OB
MediaStorageSOPClassUID 00020002 UI
MediaStorageSOPInstanceUID 00020003 UI
TransferSyntaxUID 00020010 UI
ImplementationClassUID 00020012 UI
ImplementationVersionName 00020013 SH
SpecificCharacterSet 00080005 CS
ImageType 00080008 CS
InstanceCreationDate 00080012 DA
InstanceCreationTime 00080013 TM
SOPClassUID 00080016 UI
SOPInstanceUID 00080018 UI
StudyDate 00080020 DA
SeriesDate 00080021 DA
ContentDate 00080023 DA
StudyTime 00080030 TM
SeriesTime 00080031 TM
ContentTime 00080033 TM
AccessionNumber 00080050 SH
Modality 00080060 CS
Manufacturer 00080070 LO
ReferringPhysicianName 00080090 PN
CodeValue 00080100 SH
CodingSchemeDesignator 00080102 SH
CodingSchemeVersion 00080103 SH
CodeMeaning 00080104 LO
MappingResource 00080105 CS
CodingSchemeIdentificationSequence 00080110 SQ
CodingSchemeName 00080115 ST
CodingSchemeResponsibleOrganization 00080116 ST
StudyDescription 00081030 LO
SeriesDescription 0008103E LO
ManufacturerModelName 00081090 LO
ReferencedPerformedProcedureStepSequence 00081111 SQ
ReferencedSeriesSequence 00081115 SQ
ReferencedImageSequence 00081140 SQ
ReferencedInstanceSequence 0008114A SQ
ReferencedSOPClassUID 00081150 UI
ReferencedSOPInstanceUID 00081155 UI
ReferencedFrameNumber 00081160 IS
ReferencedSOPSequence 00081199 SQ
DerivationDescription 00082111 ST
SourceImageSequence 00082112 SQ
DerivationImageSequence 00089124 SQ
DerivationCodeSequence 00089215 SQ
PatientName 00100010 PN
PatientID 00100020 LO
IssuerOfPatientID 00100021 LO
PatientBirthDate 00100030 DA
PatientSex 00100040 CS
PatientAge 00101010 AS
PatientSize 00101020 DS
PatientWeight 00101030 DS
SliceThickness 00180050 DS
KVP 00180060 DS
ImagerPixelSpacing 00181164 DS
SpacingBetweenSlices 00180088 DS
DeviceSerialNumber 00181000 LO
SoftwareVersions 00181020 LO
PatientPosition 00185100 CS
StudyInstanceUID 0020000D UI
SeriesInstanceUID 0020000E UI
StudyID 00200010 SH
SeriesNumber 00200011 IS
AcquisitionNumber 00200012 IS
InstanceNumber 00200013 IS
ImagePositionPatient 00200032 DS
ImageOrientationPatient 00200037 DS
FrameOfReferenceUID 00200052 UI
PositionReferenceIndicator 00201040 LO
FrameContentSequence 00209111 SQ
PlanePositionSequence 00209113 SQ
PlaneOrientationSequence 00209116 SQ
DimensionIndexValues 00209157 UL
DimensionOrganizationUID 00209164 UI
DimensionIndexPointer 00209165 AT
FunctionalGroupPointer 00209167 AT
DimensionOrganizationSequence 00209221 SQ
DimensionIndexSequence 00209222 SQ
DimensionOrganizationType 00209311 CS
DimensionDescriptionLabel 00209421 LO
SamplesPerPixel 00280002 US
PhotometricInterpretation 00280004 CS
NumberOfFrames 00280008 IS
Rows 00280010 US
Columns 00280011 US
PixelSpacing 00280030 DS
BitsAllocated 00280100 US
BitsStored 00280101 US
HighBit 00280102 US
PixelRepresentation 00280103 US
RescaleIntercept 00281052 DS
RescaleSlope 00281053 DS
RescaleType 00281054 LO
LossyImageCompression 00282110 CS
PixelMeasuresSequence 00289110 SQ
ReferencedFrameOfReferenceUID 30060024 UI
PerformedProcedureCodeSequence 0040A372 SQ
MeasurementUnitsCodeSequence 004008EA SQ
RelationshipType 0040A010 CS
ValueType 0040A040 CS
ConceptNameCodeSequence 0040A043 SQ
ContinuityOfContent 0040A050 CS
DateTime 0040A120 DT
UID 0040A124 UI
TextValue 0040A160 UT
ConceptCodeSequence 0040A168 SQ
PurposeOfReferenceCodeSequence 0040A170 SQ
MeasuredValueSequence 0040A300 SQ
NumericValue 0040A30A DS
CurrentRequestedProcedureEvidenceSequence 0040A375 SQ
PertinentOtherEvidenceSequence 0040A385 SQ
CompletionFlag 0040A491 CS
VerificationFlag 0040A493 CS
ContentTemplateSequence 0040A504 SQ
ContentSequence 0040A730 SQ
TemplateIdentifier 0040DB00 CS
SegmentationType 00620001 CS
SegmentSequence 00620002 SQ
SegmentedPropertyCategoryCodeSequence 00620003 SQ
SegmentNumber 00620004 US
SegmentLabel 00620005 LO
SegmentDescription 00620006 ST
SegmentationAlgorithmIdentificationSequence 00620007 SQ
SegmentAlgorithmType 00620008 CS
SegmentAlgorithmName 00620009 LO
SegmentIdentificationSequence 0062000A SQ
ReferencedSegmentNumber 0062000B US
RecommendedDisplayCIELabValue 0062000D US
SegmentedPropertyTypeCodeSequence 0062000F SQ
AlgorithmFamilyCodeSequence 0066002F SQ
AlgorithmVersion 00660031 LO
AlgorithmName 00660036 LO
GraphicData 00700022 FL
GraphicType 00700023 CS
ContentLabel 00700080 CS
ContentDescription 00700081 LO
ContentCreatorName 00700084 PN
SharedFunctionalGroupsSequence 52009229 SQ
PerFrameFunctionalGroupsSequence 52009230 SQ
PixelData 7FE00010 OB
`;

export interface DictionaryEntry {
  readonly tag: number;
  readonly vr: string;
}

export const DICTIONARY: ReadonlyMap<string, DictionaryEntry> = new Map(
  TABLE.trim()
    .split('\n')
    .map((line) => {
      const [keyword, hex, vr] = line.trim().split(/\s+/) as [string, string, string];
      return [keyword, { tag: parseInt(hex, 16), vr }];
    }),
);

/** Tag number of a keyword (for AT values such as DimensionIndexPointer). */
export function tagOf(keyword: string): number {
  const entry = DICTIONARY.get(keyword);
  if (entry === undefined) throw new UsageError(`dicom-write: no dictionary entry for ${keyword}`, { field: keyword });
  return entry.tag;
}
