// The magnitude function Mag(t) on log–log axes, with t_conv, the suggested scale and the current
// t marked; clicking the chart picks a scale.
import { axisBottom, axisLeft, line, scaleLog, select } from 'd3';
import { svgElement } from './frame';

const M = { top: 14, right: 14, bottom: 32, left: 48 };

export interface MagnitudeChartData {
  ts: number[];
  magnitudes: number[];
  n: number;
  tConv: number | null;
  suggested: number | null;
  current: number | null;
}

export function createMagnitudeChart(container: HTMLElement, width = 560, height = 230) {
  const svg = svgElement(container, width, height, 'magnitude-chart', 'magnitude-chart');
  const root = select(svg);
  let onPick: (t: number) => void = () => {};
  let x = scaleLog().range([M.left, width - M.right]);

  svg.addEventListener('click', (event) => {
    const box = svg.getBoundingClientRect();
    const px = ((event.clientX - box.left) * width) / box.width;
    if (px < M.left || px > width - M.right) return;
    onPick(x.invert(px));
  });

  return {
    svg,
    onPick(handler: (t: number) => void) {
      onPick = handler;
    },
    update(d: MagnitudeChartData) {
      root.selectAll('*').remove();
      const pairs = d.ts.map((t, i) => [t, d.magnitudes[i]] as [number, number]).filter(([t, m]) => t > 0 && m > 0 && Number.isFinite(m));
      if (pairs.length === 0) return;
      const tLo = Math.min(...pairs.map((p) => p[0]), d.current ?? Infinity);
      const tHi = Math.max(...pairs.map((p) => p[0]), d.current ?? 0);
      x = scaleLog().domain([tLo, tHi]).range([M.left, width - M.right]);
      const mLo = Math.max(Math.min(...pairs.map((p) => p[1])) * 0.8, 0.5);
      const y = scaleLog().domain([mLo, Math.max(d.n, ...pairs.map((p) => p[1])) * 1.1]).range([height - M.bottom, M.top]);
      root.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - M.bottom})`).call(axisBottom(x).ticks(6, '~g'));
      root.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(5, '~g'));
      root.append('text').attr('class', 'axis-label').attr('x', width - M.right).attr('y', height - 2).attr('text-anchor', 'end').text('t (log)');
      root.append('text').attr('class', 'axis-label').attr('x', 4).attr('y', 10).text('Mag(t)');
      // n, the limit as t → ∞.
      root.append('line').attr('class', 'limit').attr('x1', M.left).attr('x2', width - M.right).attr('y1', y(d.n)).attr('y2', y(d.n));
      root.append('text').attr('class', 'marker-label').attr('x', M.left + 4).attr('y', y(d.n) - 3).text(`n = ${d.n}`);
      root.append('path').attr('class', 'mag-line').attr('d', line()(pairs.map(([t, m]) => [x(t), y(m)])) ?? '');
      root.append('g').selectAll('circle').data(pairs).join('circle').attr('class', 'mag-point').attr('r', 2.5).attr('cx', (p) => x(p[0])).attr('cy', (p) => y(p[1]))
        .append('title').text((p) => `t = ${p[0].toPrecision(4)}: Mag = ${p[1].toPrecision(5)}`);
      const marker = (t: number | null, cls: string, label: string, row: number) => {
        if (t === null || !Number.isFinite(t) || t < tLo || t > tHi) return;
        root.append('line').attr('class', `marker ${cls}`).attr('x1', x(t)).attr('x2', x(t)).attr('y1', M.top).attr('y2', height - M.bottom);
        root.append('text').attr('class', `marker-label ${cls}`).attr('x', x(t) + 3).attr('y', M.top + 10 + 12 * row).text(label);
      };
      marker(d.tConv, 'tconv', `t_conv ${d.tConv?.toPrecision(3)}`, 0);
      marker(d.suggested, 'suggested', `suggested ${d.suggested?.toPrecision(3)}`, 1);
      marker(d.current, 'current', `t ${d.current?.toPrecision(3)}`, 2);
      svg.dataset.points = String(pairs.length);
    },
  };
}
