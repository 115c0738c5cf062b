import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { applyChartTheme } from './lib/chart.js';
import { warmChartsWhenIdle } from './lib/chartWarmup.js';

applyChartTheme();
// Charts re-read the theme when the OS switches light/dark (new charts pick it up; views re-render on demand).
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyChartTheme);

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');
mount(App, { target });
warmChartsWhenIdle();
