declare module 'plotly.js-cartesian-dist-min' {
  const Plotly: import('./plotlyApi').IPlotly;
  export default Plotly;
}
