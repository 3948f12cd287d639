/** `--report FILE`, as `run` and `replay` spell it (the writing is in report-file.ts, loaded when used). */
import { pathValue } from './paths.js';

export const REPORT_OPTION = ['--report <file>', 'also write the runs as one self-contained HTML page (timelines, decisions, the kernel log)', pathValue] as const;
