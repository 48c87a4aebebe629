/** Default voxel limit: 2^28 samples (e.g. 512 x 512 x 1024) - well under what typed arrays allow. */
export const DEFAULT_MAX_VOXELS = 2 ** 28;
