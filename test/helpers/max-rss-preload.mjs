// Preloaded into a CLI child (NODE_OPTIONS=--import=...) by tests that bound its memory: at exit
// it writes the process's peak resident set size (kilobytes, getrusage ru_maxrss) to the file
// named by MEDINFER_MAX_RSS_FILE. Exact, unlike polling /proc, and portable.
import { writeFileSync } from 'node:fs';

const file = process.env.MEDINFER_MAX_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      // the test then reports the missing file
    }
  });
}
