// The one place that names the vendored view library (served at /vendor/ by fieldd):
// Preact + hooks + htm, no bundler. Apps import from here only.
import { h, render } from 'preact';
import { useState, useEffect, useRef, useCallback } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);
export { h, render, useState, useEffect, useRef, useCallback };

// Korean IME: Enter while a syllable is being composed must never submit (the last
// syllable would be cut or sent twice). Use as the form's onKeyDown.
export function imeGuard(e) {
  if (e.key === 'Enter' && (e.isComposing || e.keyCode === 229)) e.preventDefault();
}
