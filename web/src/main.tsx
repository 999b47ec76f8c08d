/** Entry of the web chat (built by Vite into dist/web, served by `atlas serve` at `/`). */
import { render } from "preact";
import { App } from "./app.js";
import "./fonts.css";
import "./app.css";
import "./code.css";

render(<App />, document.getElementById("app")!);
