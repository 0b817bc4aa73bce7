// The portal's one stylesheet: mobile-first, system fonts (nothing fetched from outside the node), logical
// properties so Arabic mirrors itself, colours with AA contrast in light and dark.
export const PORTAL_CSS = `
:root{--bg:#fbfaf7;--fg:#1d1c1a;--muted:#5b5850;--card:#fff;--line:#dedad2;--accent:#0b5cad;--accent-fg:#fff;--sun:#e9a100;--ray:#f0b429;--off:#d6d1c6;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#151513;--fg:#efece6;--muted:#b3aea4;--card:#201f1c;--line:#3a3833;--accent:#7db7ff;--accent-fg:#0b1a2b;--off:#48443d}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}
main{padding:4px 12px 24px;max-width:960px;margin:0 auto}
h1{font-size:1.4rem;line-height:1.25;margin:16px 0 6px;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:22px 0 8px}
p{margin:6px 0}
[hidden]{display:none!important}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;inset-inline-start:-999px}.skip:focus{inset-inline-start:8px;top:8px;background:var(--card);padding:8px;z-index:2}
.top{display:flex;flex-wrap:wrap;gap:8px;align-items:center;padding:10px 12px;border-bottom:1px solid var(--line);background:var(--card)}
.site{font-weight:700;font-size:1.05rem;text-decoration:none;color:var(--fg);margin:0;flex:1 1 auto;overflow-wrap:anywhere}
.find{display:flex;flex:1 1 220px;gap:6px;min-width:0}
.find input{flex:1;min-width:0}
input,button,.btn{font:inherit;min-height:44px;border-radius:8px}
input{border:1px solid var(--muted);padding:6px 10px;background:var(--bg);color:var(--fg)}
button,.btn{display:inline-flex;align-items:center;justify-content:center;gap:6px;border:0;padding:8px 14px;background:var(--accent);color:var(--accent-fg);text-decoration:none;font-weight:600;cursor:pointer}
.btn.alt{background:transparent;color:var(--accent);border:1px solid var(--accent)}
.lead{color:var(--muted)}
.cards{list-style:none;padding:0;margin:0;display:grid;gap:10px;grid-template-columns:repeat(auto-fill,minmax(260px,1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:12px;display:grid;grid-template-columns:64px 1fr;gap:4px 12px;align-items:start}
.card h3{margin:0;font-size:1.05rem;overflow-wrap:anywhere}
.card .desc{grid-column:1/-1;margin:0;color:var(--muted);overflow-wrap:anywhere}
.card .facts,.card .acts{grid-column:1/-1}
.facts{font-size:.9rem;color:var(--muted);margin:0}
.acts{display:flex;flex-wrap:wrap;gap:8px;margin-top:6px}
meter{width:100%;height:10px}
.sun circle{fill:var(--off)}.sun.lit circle{fill:var(--sun)}
.sun{width:64px;height:64px;justify-self:center;align-self:center}.sun.holders-1{width:40px;height:40px}.sun.holders-2{width:48px;height:48px}.sun.holders-3{width:56px;height:56px}
.sun line{stroke:var(--off);stroke-width:2.5;stroke-linecap:round}.sun line.on{stroke-width:3.2}.sun line.on{stroke:var(--ray)}
@media (prefers-reduced-motion:no-preference){.sun.lit .rays{animation:spin 40s linear infinite;transform-origin:24px 24px}}
@keyframes spin{to{transform:rotate(360deg)}}
.crumbs{font-size:.95rem;overflow-wrap:anywhere;margin-top:12px}
.list{list-style:none;padding:0;margin:0;border-top:1px solid var(--line)}
.list li{border-bottom:1px solid var(--line)}
.list a{display:flex;gap:10px;align-items:center;padding:8px 4px;text-decoration:none;color:var(--fg);min-height:48px;overflow-wrap:anywhere}
.list .icon{flex:0 0 48px;height:48px;display:flex;align-items:center;justify-content:center;font-size:1.6rem;border-radius:6px;background:var(--line);overflow:hidden;position:relative}
.list img{width:48px;height:48px;object-fit:cover}
.list .play+img{position:absolute;inset:0}
.play{fill:var(--muted)}
.grid{list-style:none;padding:0;margin:8px 0;display:grid;grid-template-columns:repeat(auto-fill,minmax(78px,1fr));gap:4px}
.grid a{display:block;aspect-ratio:1;background:var(--line);border-radius:4px;overflow:hidden}
.grid img{display:block;width:100%;height:100%;object-fit:cover}
.pager{display:flex;justify-content:space-between;align-items:center;gap:8px;margin:10px 0}
.pager .pos{color:var(--muted);font-size:.9rem;text-align:center}
.photo{display:block;touch-action:pan-y pinch-zoom}
.desc{color:var(--muted);overflow-wrap:anywhere}
.sitebar{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:10px 0}
iframe.site{display:block;width:100%;height:calc(100vh - 150px);min-height:320px;border:1px solid var(--line);border-radius:8px;background:#fff}
.list .name{flex:1;min-width:0}
.list .size{color:var(--muted);font-size:.9rem;white-space:nowrap}
.preview{margin:12px 0}
.preview img,.preview video{display:block;max-width:100%;height:auto;max-height:75vh;background:#000;border-radius:8px}
.preview audio{width:100%}
.preview iframe{width:100%;height:70vh;border:1px solid var(--line);border-radius:8px}
.text{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px;overflow-x:auto;overflow-wrap:anywhere}
pre.text{white-space:pre-wrap;font-size:.9rem}
.text>:first-child{margin-top:0}
.text img{max-width:100%}
.text table{border-collapse:collapse;margin:8px 0}.text th,.text td{border:1px solid var(--line);padding:4px 8px}
.note{color:var(--muted);font-size:.9rem}
.qr{background:#fff;padding:8px;border-radius:8px;display:inline-block;line-height:0}
.qr svg{width:180px;height:180px}
.addr{font-size:1.3rem;font-weight:700;direction:ltr;unicode-bidi:isolate;overflow-wrap:anywhere}
.panel{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px;margin:14px 0}
footer{border-top:1px solid var(--line);padding:12px;margin-top:24px}
.langs{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:0;justify-content:center}
.langs a,.langs span{display:inline-block;padding:10px 4px}
.langs span{font-weight:700}
.hits{list-style:none;padding:0}.hits li{padding:8px 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere;display:flex;gap:10px;align-items:flex-start}
.hits .icon{flex:0 0 auto;font-size:1.4rem;line-height:1.5}.hits .snip{display:block;font-size:.9rem}
mark{background:#ffe27a;color:#1d1c1a}
`
