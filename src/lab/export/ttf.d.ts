// Webpack (JupyterLab's builder) emits a .ttf as a file and imports its URL.
declare module '*.ttf' {
  const url: string;
  export default url;
}
