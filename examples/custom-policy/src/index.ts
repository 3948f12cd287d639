export { changeWindow, changeWindow as default } from './change-window.js';
