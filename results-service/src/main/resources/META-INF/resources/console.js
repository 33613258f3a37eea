// vlmesh console: plain browser JavaScript, no build step.
// Submissions go straight to ingest-service (its URL comes from /v1/console/config; ingest allows this origin via
// CORS); everything else — job list, state, the live answer stream — comes from results-service, this origin.
'use strict';

const $ = (id) => document.getElementById(id);
const KEY_STORE = 'vlmesh_api_key';

const state = {
  ingestUrl: '',
  key: '',
  jobId: null,       // the job shown in the answer panel
  stream: null,      // its EventSource
  tenantStream: null,
  jobs: new Map(),   // id -> last known job (for the list)
};

// ---------- API key ----------

function setKey(key) {
  state.key = key.trim();
  localStorage.setItem(KEY_STORE, state.key);
  // EventSource cannot send headers: results-service accepts the key from this cookie on its GET streams only.
  document.cookie = 'vlmesh_api_key=' + encodeURIComponent(state.key) + '; path=/v1; SameSite=Strict';
  $('key-state').textContent = state.key ? 'key set' : 'no key';
}

function authHeaders() {
  return state.key ? { 'Authorization': 'Bearer ' + state.key } : {};
}

// ---------- helpers ----------

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  const type = res.headers.get('content-type') || '';
  const body = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    throw Object.assign(new Error('HTTP ' + res.status), { status: res.status, problem: body });
  }
  return body;
}

function showProblem(problem, status) {
  const p = typeof problem === 'object' && problem ? problem : { title: 'Request failed', detail: String(problem || '') };
  $('problem-title').textContent = p.title || 'Request failed';
  $('problem-status').textContent = status ? '(' + status + (p.type ? ' · ' + p.type.replace(/^.*\//, '') : '') + ')' : '';
  $('problem-detail').textContent = p.detail || '';
  $('problem').dataset.status = String(status || '');
  $('problem').hidden = false;
}

function clearProblem() {
  $('problem').hidden = true;
  $('problem-title').textContent = '';
  $('problem-detail').textContent = '';
}

function fmtTime(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : '';
}

function fmtMs(ms) {
  if (ms === undefined || ms === null) return '—';
  return ms < 1000 ? ms + ' ms' : (ms / 1000).toFixed(2) + ' s';
}

// ---------- submission (to ingest) ----------

function selectedTask() {
  return document.querySelector('input[name=task]:checked').value;
}

async function mediaToSend() {
  const file = $('file').files[0];
  if (file) return { blob: file, name: file.name };
  const sample = $('sample').value;
  if (sample) {
    const res = await fetch('/v1/console/samples/' + encodeURIComponent(sample));
    if (!res.ok) throw Object.assign(new Error('sample'), { status: res.status, problem: await res.json() });
    return { blob: await res.blob(), name: sample };
  }
  return null;
}

function upload(form) {
  // XMLHttpRequest rather than fetch: it reports upload progress.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', state.ingestUrl + '/v1/jobs');
    Object.entries(authHeaders()).forEach(([k, v]) => xhr.setRequestHeader(k, v));
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    const bar = $('upload-progress');
    bar.hidden = false;
    bar.value = 0;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        $('upload-state').textContent = 'uploading ' + bar.value + '%';
      }
    };
    xhr.onload = () => {
      let body = xhr.responseText;
      try { body = JSON.parse(body); } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(Object.assign(new Error('HTTP ' + xhr.status), { status: xhr.status, problem: body }));
    };
    xhr.onerror = () => reject(Object.assign(new Error('network'), {
      status: 0,
      problem: { title: 'Could not reach ingest-service', detail: 'No answer from ' + state.ingestUrl + '. Is it running, and does it allow this origin (CORS)?' },
    }));
    xhr.send(form);
  });
}

async function submit(event) {
  event.preventDefault();
  clearProblem();
  const button = $('submit');
  button.disabled = true;
  try {
    const media = await mediaToSend();
    if (!media) {
      showProblem({ title: 'Nothing to send', detail: 'Choose a file or a sample first.' }, 0);
      return;
    }
    const task = selectedTask();
    const prompt = $('prompt').value.trim();
    if (task === 'chat' && !prompt) {
      showProblem({ title: 'Prompt missing', detail: 'Type a question (English or Chinese) for this task.' }, 0);
      return;
    }
    const form = new FormData();
    form.append('file', media.blob, media.name);
    form.append('task', task);
    if (task === 'chat') form.append('prompt', prompt);
    // video options go as single form fields; ingest refuses them for images with a clear problem
    [['num-frames', 'num_frames'], ['segment-seconds', 'segment_seconds'], ['start-seconds', 'start_seconds'],
      ['end-seconds', 'end_seconds']].forEach(([id, field]) => {
      const v = $(id).value.trim();
      if (v !== '') form.append(field, v);
    });
    const accepted = await upload(form);
    const id = accepted.id; // ingest's 202 (snake_case, like every vlmesh answer)
    $('upload-state').textContent = 'accepted as ' + id;
    state.jobs.set(id, { id, task, status: 'queued', created_at: new Date().toISOString(), text: '' });
    renderJobs();
    showJob(id);
  } catch (e) {
    $('upload-state').textContent = '';
    showProblem(e.problem, e.status);
  } finally {
    button.disabled = false;
    $('upload-progress').hidden = true;
  }
}

// ---------- one job: state + live answer ----------

function setStatus(status) {
  const chip = $('job-status');
  chip.textContent = status;
  chip.className = 'chip ' + status;
  const ended = ['succeeded', 'failed', 'cancelled'].includes(status);
  $('answer').classList.toggle('streaming', status === 'running');
  $('cancel').hidden = ended || !state.jobId;
}

function renderTimings(job) {
  const rows = [];
  const l = job.latency || {};
  if (job.model) rows.push(['model', job.model + (job.model_version ? ' @ ' + job.model_version : '')]);
  if (l.queue_ms !== undefined) rows.push(['waited in queue', fmtMs(l.queue_ms)]);
  if (l.time_to_first_token_ms !== undefined) rows.push(['first token after', fmtMs(l.time_to_first_token_ms)]);
  if (l.total_ms !== undefined) rows.push(['total', fmtMs(l.total_ms)]);
  if (job.timings) {
    rows.push(['vision / prefill / decode', [job.timings.vision_ms, job.timings.prefill_ms, job.timings.decode_ms].map(fmtMs).join(' / ')]);
  }
  if (job.usage) rows.push(['tokens (prompt / image / answer)', job.usage.prompt_tokens + ' / ' + job.usage.image_tokens + ' / ' + job.usage.completion_tokens]);
  if (job.finish_reason) rows.push(['finish reason', job.finish_reason]);
  if (job.attempt > 1) rows.push(['attempt', String(job.attempt)]);
  const dl = $('timings');
  dl.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v;
    return [dt, dd];
  }));
}

function showError(error) {
  const box = $('job-error');
  if (!error) { box.hidden = true; box.textContent = ''; return; }
  box.textContent = (error.code ? error.code + ': ' : '') + (error.message || '');
  box.hidden = false;
}

// ---------- segment mode: one entry per video window, text streamed into it, a timeline above ----------

const seg = { items: new Map(), duration: 0 };

function resetSegments(duration) {
  seg.items = new Map();
  seg.duration = duration || 0;
  $('segments').replaceChildren();
  $('timeline').replaceChildren();
  $('timeline').hidden = true;
  $('answer').hidden = false;
}

function clock(s) {
  if (s === undefined || s === null) return '…';
  const m = Math.floor(s / 60);
  const r = s - m * 60;
  const whole = Math.abs(r - Math.round(r)) < 0.05;
  return m + ':' + (whole ? String(Math.round(r)).padStart(2, '0') : r.toFixed(1).padStart(4, '0'));
}

function segmentItem(k) {
  let item = seg.items.get(k);
  if (item) return item;
  const li = document.createElement('li');
  li.dataset.segment = String(k);
  const range = document.createElement('span');
  range.className = 'range';
  range.textContent = '#' + (k + 1);
  const text = document.createElement('span');
  text.className = 'text';
  li.append(range, text);
  li.addEventListener('click', () => selectSegment(k));
  // keep the list in window order whatever order entries appear in
  const after = [...$('segments').children].find((x) => Number(x.dataset.segment) > k);
  $('segments').insertBefore(li, after || null);
  item = { li, range, text, start: null, end: null, done: false };
  seg.items.set(k, item);
  return item;
}

function selectSegment(k) {
  seg.items.forEach((it, i) => it.li.classList.toggle('selected', i === k));
  $('timeline').querySelectorAll('.block').forEach((b) => b.classList.toggle('selected', b.dataset.segment === String(k)));
}

function renderTimeline() {
  const done = [...seg.items.entries()].filter(([, it]) => it.end !== null);
  if (!done.length) { $('timeline').hidden = true; return; }
  const total = Math.max(seg.duration || 0, ...done.map(([, it]) => it.end));
  $('timeline').replaceChildren(...done.map(([k, it]) => {
    const b = document.createElement('div');
    b.className = 'block' + (it.done ? '' : ' streaming');
    b.dataset.segment = String(k);
    b.style.left = (100 * it.start / total) + '%';
    b.style.width = (100 * (it.end - it.start) / total) + '%';
    b.title = clock(it.start) + '–' + clock(it.end) + (it.text.textContent ? ': ' + it.text.textContent : '');
    b.textContent = clock(it.start);
    b.addEventListener('click', () => selectSegment(k));
    return b;
  }));
  $('timeline').hidden = false;
}

function segmentDelta(d) {
  $('answer').hidden = true;
  const item = segmentItem(d.segment);
  item.text.textContent += d.text;
  item.li.classList.add('streaming');
}

function addSegment(d) {
  const item = segmentItem(d.segment);
  item.start = d.start_seconds;
  item.end = d.end_seconds;
  item.done = true;
  item.range.textContent = clock(d.start_seconds) + '–' + clock(d.end_seconds);
  if (d.text !== undefined) item.text.textContent = d.text;
  item.li.classList.remove('streaming');
  item.li.classList.add('done');
  // the final text joins these windows with their ranges: the list already shows it
  $('answer').hidden = true;
  renderTimeline();
}

function showStoredSegments(job) {
  const media = (job.media || [])[0];
  resetSegments(media && media.duration_seconds);
  (job.segments || []).forEach((s) => addSegment({ segment: s.segment, start_seconds: s.start_seconds,
    end_seconds: s.end_seconds, text: s.text }));
}

function showJob(id) {
  if (state.stream) { state.stream.close(); state.stream = null; }
  state.jobId = id;
  $('job-id').textContent = id;
  $('answer').textContent = '';
  resetSegments(0);
  $('timings').replaceChildren();
  $('job-attempt').textContent = '';
  showError(null);
  setStatus(state.jobs.get(id)?.status || 'queued');
  document.querySelectorAll('#jobs tbody tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.id === id));

  // the video's length (from the stored job) scales the segment timeline
  api('/v1/jobs/' + encodeURIComponent(id)).then((job) => {
    const media = (job.media || [])[0];
    if (state.jobId === id && media && media.duration_seconds) { seg.duration = media.duration_seconds; renderTimeline(); }
  }).catch(() => {});

  // The stream replays everything so far, then goes live; the browser resumes with Last-Event-ID by itself.
  const es = new EventSource('/v1/jobs/' + encodeURIComponent(id) + '/events');
  state.stream = es;
  const on = (name, fn) => es.addEventListener(name, (m) => { if (state.stream === es) fn(JSON.parse(m.data)); });
  on('started', (d) => {
    if (d.reset) { $('answer').textContent = ''; resetSegments(seg.duration); }
    $('job-attempt').textContent = d.attempt > 1 ? 'attempt ' + d.attempt : '';
    setStatus('running');
    updateListed(id, { status: 'running' });
  });
  on('delta', (d) => {
    if (d.reset) { $('answer').textContent = ''; resetSegments(seg.duration); }
    if (d.segment !== undefined && d.segment !== null) segmentDelta(d);
    else $('answer').textContent += d.text;
    setStatus('running');
    updateListed(id, { status: 'running', text: $('answer').textContent });
  });
  on('segment', (d) => { if (d.reset) resetSegments(seg.duration); addSegment(d); });
  const end = (d) => {
    es.close();
    if (state.stream === es) state.stream = null;
    if (d.text !== undefined) $('answer').textContent = d.text;
    setStatus(d.status);
    showError(d.error);
    updateListed(id, d.text !== undefined ? { status: d.status, text: d.text } : { status: d.status });
    api('/v1/jobs/' + encodeURIComponent(id)).then((job) => {
      if (state.jobId !== id) return;
      renderTimings(job);
      if (job.segments) showStoredSegments(job);
    }).catch(() => {});
  };
  on('completed', end);
  on('failed', end);
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED && state.stream === es) {
      // 404 (not this key's job) or 204 (already ended): show the stored state instead
      api('/v1/jobs/' + encodeURIComponent(id)).then((job) => {
        if (state.jobId !== id) return;
        $('answer').textContent = job.text || '';
        showStoredSegments(job);
        setStatus(job.status);
        showError(job.error);
        renderTimings(job);
      }).catch((e) => showError({ code: 'not_found', message: (e.problem && e.problem.detail) || 'job not found' }));
    }
  };
}

async function cancelJob() {
  if (!state.jobId) return;
  try {
    await api('/v1/jobs/' + encodeURIComponent(state.jobId) + '/cancel', { method: 'POST' });
    $('cancel').hidden = true;
  } catch (e) {
    showError({ code: 'cancel', message: (e.problem && e.problem.detail) || e.message });
  }
}

// ---------- job list ----------

function updateListed(id, patch) {
  const job = state.jobs.get(id) || { id };
  state.jobs.set(id, { ...job, ...patch });
  renderJobs();
}

function renderJobs() {
  const rows = [...state.jobs.values()].sort((a, b) => (b.created_at || '').localeCompare(a.created_at || ''));
  $('jobs').tBodies[0].replaceChildren(...rows.slice(0, 50).map((j) => {
    const tr = document.createElement('tr');
    tr.dataset.id = j.id;
    tr.classList.toggle('selected', j.id === state.jobId);
    const cells = [fmtTime(j.created_at), j.task || '', '', (j.text || '').slice(0, 200)];
    cells.forEach((c, i) => {
      const td = document.createElement('td');
      if (i === 2) {
        const chip = document.createElement('span');
        chip.className = 'chip ' + j.status;
        chip.textContent = j.status;
        td.appendChild(chip);
      } else {
        td.textContent = c;
      }
      if (i === 3) td.className = 'answer';
      tr.appendChild(td);
    });
    tr.addEventListener('click', () => showJob(j.id));
    return tr;
  }));
}

async function loadJobs() {
  if (!state.key) return;
  try {
    const page = await api('/v1/jobs?limit=50');
    page.data.forEach((j) => state.jobs.set(j.id, j));
    renderJobs();
  } catch (e) {
    if (e.status === 401) showProblem(e.problem, e.status);
  }
}

function followTenant() {
  if (state.tenantStream) state.tenantStream.close();
  if (!state.key) return;
  const es = new EventSource('/v1/events');
  state.tenantStream = es;
  const on = (name, patch) => es.addEventListener(name, (m) => {
    const d = JSON.parse(m.data);
    const job = state.jobs.get(d.job_id) || { id: d.job_id };
    state.jobs.set(d.job_id, { ...job, ...patch(d, job) });
    renderJobs();
  });
  on('submitted', (d) => ({ status: 'queued', task: d.task, created_at: d.created_at }));
  on('started', (d, j) => ({ status: 'running', text: d.reset ? '' : j.text }));
  on('delta', (d, j) => ({ status: 'running', text: (d.reset ? '' : (j.text || '')) + d.text }));
  on('completed', (d) => ({ status: d.status, text: d.text }));
  on('failed', (d) => ({ status: 'failed' }));
}

// ---------- start ----------

async function init() {
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setKey($('api-key').value);
    loadJobs();
    followTenant();
  });
  $('submit-form').addEventListener('submit', submit);
  $('cancel').addEventListener('click', cancelJob);
  $('refresh-jobs').addEventListener('click', loadJobs);
  document.querySelectorAll('input[name=task]').forEach((r) => r.addEventListener('change', () => {
    $('prompt').disabled = selectedTask() !== 'chat';
  }));
  $('sample').addEventListener('change', () => { if ($('sample').value) $('file').value = ''; });
  $('file').addEventListener('change', () => { if ($('file').files.length) $('sample').value = ''; });

  const config = await api('/v1/console/config');
  state.ingestUrl = config.ingest_url;
  const key = localStorage.getItem(KEY_STORE) || config.api_key || '';
  $('api-key').value = key;
  setKey(key);

  try {
    const samples = await api('/v1/console/samples');
    samples.forEach((s) => {
      const o = document.createElement('option');
      o.value = s.name;
      o.textContent = s.name + ' (' + s.kind + ', ' + Math.round(s.size_bytes / 1024) + ' KiB)';
      $('sample').appendChild(o);
    });
  } catch (e) { /* no samples */ }

  await loadJobs();
  followTenant();
  document.body.dataset.ready = 'true';
}

init().catch((e) => showProblem(e.problem || { title: 'Console failed to start', detail: String(e) }, e.status));
