/** Command ids: the context menu entry in schema/analyze.json refers to them. */
export const CommandIds = {
  analyzeCell: 'layerwise:analyze-cell',
  openLastResult: 'layerwise:open-last-result'
} as const;
