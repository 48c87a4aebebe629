/**
 * Synthetic chest radiograph reports with CheXpert-labeler-style labels for the 14 observations:
 * each mentioned observation is positive (1), negated (0) or uncertain (-1); unmentioned ones are
 * null. "No Finding" is 1 when no observation other than Support Devices is positive or uncertain,
 * as in the labeler's aggregation; otherwise it is null.
 *
 * Sentences mix synonyms, hedges ("cannot exclude", "possible"), negation cues placed before
 * ("no evidence of") and after ("is not seen") the mention, coordinated negations
 * ("no pleural effusion or pneumothorax") and neutral filler, so a model must learn negation and
 * uncertainty scope rather than keyword presence. Vocabulary is English radiology phrasing; the
 * reports are not clinical text and carry no patient data.
 */
import { createRng, type Rng } from './prng.js';
import { CHEXPERT_OBSERVATIONS, type ChexpertObservation, type MentionLabel } from './labels.js';

export interface ReportTextOptions {
  seed: number;
  /** Probability that a report is normal (no positive / uncertain finding). Default 0.2. */
  normalRate?: number;
}

export interface ReportText {
  text: string;
  /** One value per CHEXPERT_OBSERVATIONS entry, in that order. */
  labels: MentionLabel[];
}

type Finding = Exclude<ChexpertObservation, 'No Finding'>;

/** Phrases that name each observation (lower case, as they appear mid-sentence). */
const MENTIONS: Record<Finding, readonly string[]> = {
  'Enlarged Cardiomediastinum': [
    'enlarged cardiomediastinal silhouette',
    'widened mediastinum',
    'mediastinal widening',
    'enlargement of the cardiomediastinal contour',
  ],
  Cardiomegaly: ['cardiomegaly', 'enlarged heart', 'cardiac enlargement', 'enlarged cardiac silhouette'],
  'Lung Lesion': ['pulmonary nodule', 'lung mass', 'nodular density', 'spiculated mass', 'pulmonary nodules'],
  'Lung Opacity': ['airspace opacity', 'hazy opacity', 'patchy opacities', 'increased opacity', 'reticular opacities'],
  Edema: ['pulmonary edema', 'interstitial edema', 'vascular congestion', 'alveolar edema'],
  Consolidation: ['consolidation', 'focal consolidation', 'lobar consolidation', 'airspace consolidation'],
  Pneumonia: ['pneumonia', 'infectious process', 'bronchopneumonia', 'aspiration pneumonia'],
  Atelectasis: ['atelectasis', 'bibasilar atelectasis', 'subsegmental atelectasis', 'volume loss', 'linear atelectasis'],
  Pneumothorax: ['pneumothorax', 'apical pneumothorax', 'small pneumothorax', 'tension pneumothorax'],
  'Pleural Effusion': ['pleural effusion', 'pleural effusions', 'pleural fluid', 'layering effusion'],
  'Pleural Other': ['pleural thickening', 'pleural scarring', 'pleural plaques', 'fibrothorax'],
  Fracture: ['rib fracture', 'displaced fracture', 'clavicular fracture', 'compression fracture', 'healing rib fractures'],
  'Support Devices': ['endotracheal tube', 'central venous catheter', 'pacemaker', 'nasogastric tube', 'right picc line', 'chest tube', 'sternotomy wires'],
};

const LOCATIONS = [
  '',
  '',
  ' in the right lower lobe',
  ' in the left lower lobe',
  ' at the right base',
  ' at the left base',
  ' in the right upper lobe',
  ' in the lingula',
  ' bilaterally',
  ' in the left mid lung',
];

const POSITIVE = [
  'There is {m}{loc}.',
  '{M}{loc} is present.',
  'Interval development of {m}{loc}.',
  'Findings are consistent with {m}.',
  'Mild {m}{loc}.',
  'Persistent {m}{loc}.',
  'Moderate {m}{loc} is again seen.',
  '{M} has increased since the prior study.',
  'New {m}{loc}.',
  'Redemonstration of {m}{loc}.',
];
const NEGATIVE = [
  'No {m}.',
  'No evidence of {m}.',
  'There is no {m}.',
  '{M} is not seen.',
  'Negative for {m}.',
  'No definite {m} is identified.',
  'Without evidence of {m}.',
  'There is no radiographic evidence of {m}.',
  'Resolution of previously seen {m}.',
  '{M} is no longer present.',
];
const UNCERTAIN = [
  'Possible {m}{loc}.',
  'Cannot exclude {m}.',
  '{M} may be present{loc}.',
  'Questionable {m}{loc}.',
  'Findings may represent {m}.',
  'Cannot rule out {m}{loc}.',
  'Suspicious for {m}.',
  'Likely {m}{loc}, clinical correlation is recommended.',
  'Differential includes {m}.',
  'Equivocal {m}{loc}.',
];
// Devices are described, not diagnosed: positive wording specific to them.
const DEVICE_POSITIVE = ['{M} in place.', 'The {m} terminates in standard position.', 'Interval placement of {m}.', '{M} is unchanged in position.'];
const DEVICE_NEGATIVE = ['Interval removal of the {m}.', 'The {m} has been removed.', 'No {m} is seen.'];
const FILLER = [
  'PA and lateral views of the chest were obtained.',
  'Comparison is made to the prior radiograph.',
  'Portable AP view of the chest.',
  'The osseous structures are otherwise grossly unchanged.',
  'Evaluation is limited by patient rotation.',
  'Clinical history: shortness of breath.',
  'Degenerative changes of the thoracic spine.',
  'The patient is status post thyroidectomy.',
  'Surgical clips are noted in the upper abdomen.',
];
const NORMAL_SUMMARY = [
  'No acute cardiopulmonary process.',
  'No acute cardiopulmonary abnormality.',
  'Normal chest radiograph.',
  'The lungs are clear without focal abnormality.',
];

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Observations a lung location phrase makes sense for ("in the right lower lobe"). */
const LOCALISABLE: ReadonlySet<Finding> = new Set(['Lung Lesion', 'Lung Opacity', 'Consolidation', 'Pneumonia', 'Atelectasis', 'Edema']);

function fill(template: string, mention: string, rng: Rng, localisable = false): string {
  const loc = localisable && template.includes('{loc}') ? rng.pick(LOCATIONS) : '';
  return capitalise(template.replace('{m}', mention).replace('{M}', capitalise(mention)).replace('{loc}', loc));
}

/** Mention value chosen for one observation: positive, negative or uncertain. */
function chooseValue(rng: Rng, normal: boolean): 1 | 0 | -1 {
  if (normal) return 0;
  const r = rng.next();
  return r < 0.45 ? 1 : r < 0.75 ? 0 : -1;
}

export function generateReportText(options: ReportTextOptions): ReportText {
  const rng = createRng(options.seed);
  const normal = rng.chance(options.normalRate ?? 0.2);
  const findings = CHEXPERT_OBSERVATIONS.slice(1) as unknown as readonly Finding[];
  const values = new Map<Finding, 1 | 0 | -1>();
  const count = normal ? rng.int(0, 3) : rng.int(1, 5);
  while (values.size < count) {
    const f = rng.pick(findings);
    if (values.has(f)) continue;
    values.set(f, f === 'Support Devices' ? (rng.chance(0.8) ? 1 : 0) : chooseValue(rng, normal));
  }

  const sentences: string[] = [];
  if (rng.chance(0.5)) sentences.push(rng.pick(FILLER));
  const pending = [...values.entries()];
  while (pending.length > 0) {
    const [f, v] = pending.shift()!;
    const mention = rng.pick(MENTIONS[f]);
    if (f === 'Support Devices') {
      sentences.push(fill(rng.pick(v === 1 ? DEVICE_POSITIVE : DEVICE_NEGATIVE), mention, rng));
      continue;
    }
    // Coordinated negation: "No pleural effusion or pneumothorax." covers two observations.
    const partner = v === 0 ? pending.findIndex(([g, w]) => w === 0 && g !== 'Support Devices') : -1;
    if (partner >= 0 && rng.chance(0.5)) {
      const [g] = pending.splice(partner, 1)[0]!;
      const lead = rng.pick(['No', 'No evidence of', 'There is no']);
      sentences.push(`${lead} ${mention} or ${rng.pick(MENTIONS[g])}.`);
      continue;
    }
    if (f === 'Cardiomegaly' && v === 0 && rng.chance(0.3)) {
      sentences.push(rng.pick(['Heart size is normal.', 'The cardiac silhouette is within normal limits.']));
      continue;
    }
    sentences.push(fill(rng.pick(v === 1 ? POSITIVE : v === 0 ? NEGATIVE : UNCERTAIN), mention, rng, LOCALISABLE.has(f)));
  }
  if (rng.chance(0.3)) sentences.splice(rng.int(0, sentences.length), 0, rng.pick(FILLER));

  const anyAbnormal = [...values.entries()].some(([f, v]) => f !== 'Support Devices' && v !== 0);
  if (!anyAbnormal && rng.chance(0.7)) sentences.push(rng.pick(NORMAL_SUMMARY));
  const labels: MentionLabel[] = CHEXPERT_OBSERVATIONS.map((o) => (o === 'No Finding' ? (anyAbnormal ? null : 1) : (values.get(o) ?? null)));
  return { text: sentences.join(' '), labels };
}
