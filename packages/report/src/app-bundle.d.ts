// The page's script and style, bundled from ../app by scripts/bundle-report.mjs into
// dist/app-bundle.js after `tsc -b` (d3 and the drawing code, minified).
export declare const APP_JS: string;
export declare const APP_CSS: string;
