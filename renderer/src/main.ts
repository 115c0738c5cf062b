import 'uplot/dist/uPlot.min.css';
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { applyChartTheme } from './lib/chartTheme.js';
import { warmChartsWhenIdle } from './lib/chartWarmup.js';

// Charts re-read the theme's colours and rebuild when the OS switches light/dark.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyChartTheme);

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');
mount(App, { target });
warmChartsWhenIdle();
