/** The brainchop entry (brainchop-parameters.js id) whose pipeline each model's reference reproduces. */
export const REFERENCE_ENTRY = { model5_gw_ae: 1, model11_gw_ae: 13, model18cls: 6, model30chan50cls: 8, mindgrab: 16 };
