// The only script the portal pages load, and only as an improvement: live seeders and progress on the home
// page (SSE), copy buttons, a word where a video or song cannot play, and swipes and arrow keys between the
// photos of a folder (the page's own previous/next links). Everything works without it.
export const PORTAL_JS = `(function(){
'use strict';
var RAYS=12;
function len(n,i){return i<Math.min(n,RAYS)?4+Math.min(n,8)*1.25:2.5}
function drawSun(svg,n,label){
  var lines=svg.querySelectorAll('line');
  for(var i=0;i<lines.length;i++){
    var a=i*2*Math.PI/RAYS,l=len(n,i),c=Math.cos(a),s=Math.sin(a);
    lines[i].setAttribute('x2',(24+(9.5+l)*c).toFixed(1));lines[i].setAttribute('y2',(24+(9.5+l)*s).toFixed(1));
    if(i<n)lines[i].setAttribute('class','on');else lines[i].removeAttribute('class');
  }
  svg.classList.toggle('lit',n>0);svg.setAttribute('data-seeders',n);
  if(label)svg.setAttribute('aria-label',label);
}
function fill(tpl,n){return (tpl||'').replace('{n}',n).replace('{pct}',n)}
function live(){
  var cards=document.querySelectorAll('[data-key]');
  if(!cards.length||!window.EventSource)return;
  var es=new EventSource('/events');
  es.addEventListener('drives',function(ev){
    var list;try{list=JSON.parse(ev.data)}catch(e){return}
    list.forEach(function(d){
      var card=document.querySelector('[data-key="'+d.key+'"]');if(!card)return;
      var sun=card.querySelector('svg.sun');
      var label=d.seeders===1?card.getAttribute('data-one'):fill(card.getAttribute('data-many'),d.seeders);
      if(sun)drawSun(sun,d.seeders,label);
      var m=card.querySelector('meter');if(m&&d.bytes>0)m.value=d.local/d.bytes;
      var st=card.querySelector('.state');
      if(st&&d.held)st.textContent=d.complete?card.getAttribute('data-complete'):fill(card.getAttribute('data-copying'),Math.floor(100*d.local/Math.max(1,d.bytes)));
      var sd=card.querySelector('.seeders');if(sd)sd.textContent=label;
    });
  });
}
function copy(){
  var bs=document.querySelectorAll('button[data-copy]');
  for(var i=0;i<bs.length;i++){(function(b){
    b.hidden=false;
    b.addEventListener('click',function(){
      var text=b.getAttribute('data-copy'),done=function(){b.textContent=b.getAttribute('data-done')};
      if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(text).then(done,fallback)}else fallback();
      function fallback(){var t=document.createElement('textarea');t.value=text;t.setAttribute('readonly','');document.body.appendChild(t);t.select();try{document.execCommand('copy');done()}catch(e){}document.body.removeChild(t)}
    });
  })(bs[i])}
}
function players(){
  var ms=document.querySelectorAll('.preview video,.preview audio');
  for(var i=0;i<ms.length;i++){(function(m){
    function show(){var n=m.parentNode.querySelector('.cannot-play');if(n){n.hidden=false;m.hidden=true}}
    if(m.error)show();
    m.addEventListener('error',show);
    var s=m.querySelector('source');if(s)s.addEventListener('error',show);
  })(ms[i])}
}
function gallery(){
  var photo=document.querySelector('.photo'),prev=document.querySelector('a[rel=prev]'),next=document.querySelector('a[rel=next]');
  if(!photo||(!prev&&!next))return;
  var rtl=document.documentElement.dir==='rtl';
  function go(a){if(a)location.href=a.href}
  document.addEventListener('keydown',function(e){
    if(e.defaultPrevented||e.altKey||e.ctrlKey||e.metaKey||e.shiftKey)return;
    var t=e.target;if(t&&/^(INPUT|TEXTAREA|SELECT|VIDEO|AUDIO)$/.test(t.tagName))return;
    if(e.key==='ArrowLeft')go(rtl?next:prev);else if(e.key==='ArrowRight')go(rtl?prev:next);
  });
  var x0=null,y0=0;
  photo.addEventListener('touchstart',function(e){if(e.touches.length!==1){x0=null;return}x0=e.touches[0].clientX;y0=e.touches[0].clientY},{passive:true});
  photo.addEventListener('touchcancel',function(){x0=null});
  photo.addEventListener('touchend',function(e){
    if(x0===null||!e.changedTouches.length)return;
    var t=e.changedTouches[0],dx=t.clientX-x0,dy=t.clientY-y0;x0=null;
    if(Math.abs(dx)<50||Math.abs(dx)<1.5*Math.abs(dy))return;
    /* The next photo comes in from the side the text runs to, as in a phone's own gallery. */
    e.preventDefault();go((dx<0)!==rtl?next:prev);
  });
}
document.addEventListener('DOMContentLoaded',function(){live();copy();players();gallery()});
})();
`
