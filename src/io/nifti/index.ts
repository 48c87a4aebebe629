/** NIfTI-1 / NIfTI-2 reading and writing (isomorphic: bytes in, bytes out). */
export { readNifti, readNiftiSync, type ReadNiftiOptions, type NiftiMeta } from './read-nifti.js';
export { writeNifti, type WriteNiftiOptions, type NiftiXformCode } from './write-nifti.js';
export { parseNiftiHeader, detectNiftiVersion, type NiftiHeader } from './nifti-header.js';
export { selectNiftiAffine, type NiftiAffineSource } from './nifti-affine.js';
export { isGzip, type GunzipFunction } from './nifti-gzip.js';
export { chooseOutputXformCodes, xformMetaOf } from './xform-codes.js';
