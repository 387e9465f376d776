export * from './document.ts';
export * from './patch.ts';
export * from './prefs.ts';
export * from './store.ts';
