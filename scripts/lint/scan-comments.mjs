// A small JavaScript / TypeScript lexer that only answers what the comment wrapper needs: for each
// line, the lexical state at its start (code, inside a block comment, inside a template or string
// literal) and where a `//` or `/* */` comment starts on it. Strings, templates (with nested ${}),
// regular expressions and comments are skipped so that a `//` inside a string or a ` * ` inside a
// template literal is never taken for a comment. Regex vs division is decided from the previous
// significant token, as parsers do for the common cases; a file it misreads is caught by
// wrap-long-lines.mjs, which compares esbuild's comment-free output before and after.

const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await', 'instanceof']);
const REGEX_AFTER_PUNCT = '(,=:[!&|?{};+-*%<>~^';

/**
 * Per line: `start` = state at the line's first character ('code' | 'block' | 'template' | 'string'),
 * `comments` = [{ col, kind: 'line' | 'block', end }] comments that start on the line (end = column
 * after the comment on that line, or -1 when a block comment runs past the line), `strings` =
 * [{ kind: 'string' | 'template', col, end, spaces, tagged }] literals that start on the line (end -1
 * when they run past it; spaces = columns of spaces in the literal's own text, outside any ${}).
 */
export function scanLines(text) {
  const lines = [{ start: 'code', comments: [], strings: [] }];
  const braces = [0]; // brace depth per code frame; a frame above the first is a template's ${}
  let state = 'code';
  let quote = '';
  let prev = ''; // previous significant character in code ('' at file start)
  let prevWord = '';
  let lineStart = 0;
  let open = null; // the block comment being read
  let str = null; // the quoted string being read
  const templates = []; // template literals being read, innermost last
  const token = (kind, col) => ({
    kind,
    line: lines.length - 1,
    col,
    end: -1,
    spaces: [],
    tagged: kind === 'template' && (/[)\]]/.test(prev) || (/[\w$]/.test(prev) && !REGEX_AFTER_WORD.has(prevWord))),
  });
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      if (state === 'line') state = 'code';
      lines.push({ start: state === 'sq' || state === 'dq' ? 'string' : state === 'regex' ? 'code' : state, comments: [], strings: [] });
      if (state === 'regex') state = 'code'; // an unterminated "regex" was a division; recover
      lineStart = i + 1;
      continue;
    }
    const line = lines[lines.length - 1];
    const col = i - lineStart;
    switch (state) {
      case 'line':
        break;
      case 'block':
        if (c === '*' && text[i + 1] === '/') {
          i++;
          state = 'code';
          if (open && open.line === line) open.comment.end = col + 2;
          open = null;
        }
        break;
      case 'sq':
      case 'dq':
        if (c === '\\') i++;
        else if (c === ' ') str.spaces.push(col);
        else if (c === quote) {
          state = 'code';
          if (str.line === lines.length - 1) str.end = col + 1;
        }
        break;
      case 'template':
        if (c === '\\') i++;
        else if (c === ' ') templates[templates.length - 1].spaces.push(col);
        else if (c === '`') {
          state = 'code';
          const tpl = templates.pop();
          if (tpl.line === lines.length - 1) tpl.end = col + 1;
        } else if (c === '$' && text[i + 1] === '{') {
          i++;
          braces.push(0);
          state = 'code';
          prev = '{';
        }
        break;
      case 'regex':
        if (c === '\\') i++;
        else if (c === '[') state = 'regexClass';
        else if (c === '/') state = 'code';
        break;
      case 'regexClass':
        if (c === '\\') i++;
        else if (c === ']') state = 'regex';
        break;
      default: {
        if (c === '/' && text[i + 1] === '/') {
          line.comments.push({ col, kind: 'line', end: text.indexOf('\n', i) < 0 ? text.length - lineStart : text.indexOf('\n', i) - lineStart });
          state = 'line';
          i++;
        } else if (c === '/' && text[i + 1] === '*') {
          const comment = { col, kind: 'block', end: -1 };
          line.comments.push(comment);
          open = { line, comment };
          state = 'block';
          i++;
        } else if (c === '/') {
          const regex = prev === '' || REGEX_AFTER_PUNCT.includes(prev) || (/\w/.test(prev) && REGEX_AFTER_WORD.has(prevWord));
          if (regex) state = 'regex';
          prev = regex ? 'a' : '/';
          prevWord = '';
        } else if (c === "'" || c === '"') {
          str = token('string', col);
          line.strings.push(str);
          state = c === "'" ? 'sq' : 'dq';
          quote = c;
          prev = 'a';
          prevWord = '';
        } else if (c === '`') {
          const tpl = token('template', col);
          line.strings.push(tpl);
          templates.push(tpl);
          state = 'template';
          prev = 'a';
          prevWord = '';
        } else if (c === '{') {
          braces[braces.length - 1]++;
          prev = c;
        } else if (c === '}') {
          if (braces[braces.length - 1] === 0 && braces.length > 1) {
            braces.pop();
            state = 'template';
          } else braces[braces.length - 1]--;
          prev = c;
        } else if (/\s/.test(c)) {
          // whitespace keeps the previous token
        } else if (/[\w$]/.test(c)) {
          if (!/[\w$]/.test(prev) || prevWord === '') prevWord = '';
          let j = i;
          while (j < text.length && /[\w$]/.test(text[j])) j++;
          prevWord = text.slice(i, j);
          prev = text[j - 1];
          i = j - 1;
        } else {
          prev = c;
          prevWord = '';
        }
      }
    }
  }
  return lines;
}
