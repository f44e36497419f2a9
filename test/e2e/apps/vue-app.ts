// A small Vue 3 + vue-router 4 app, bundled by apps.e2e.test.ts with esbuild. `<html data-router="hash">`
// selects createWebHashHistory (which rewrites an empty hash to `#/` on start), otherwise
// createWebHistory('/vue'). The title is set from route meta in afterEach, after the URL changed.
import { createApp, defineComponent, h, nextTick } from 'vue';
import { createRouter, createWebHashHistory, createWebHistory, RouterLink, RouterView, type RouteLocationNormalized } from 'vue-router';

const page = (heading: string) => defineComponent({ render: () => h('h1', heading) });
const About = defineComponent({
  render: () => [h('h1', 'About'), h('a', { id: 'to-details', href: '#details' }, 'Details'), h('p', { id: 'details', style: 'margin-top:150vh' }, 'Details')],
});

const hash = document.documentElement.dataset.router === 'hash';
const router = createRouter({
  history: hash ? createWebHashHistory() : createWebHistory('/vue'),
  routes: [
    { path: '/', component: page('Home'), meta: { title: 'Home · Vue' } },
    { path: '/about', component: About, meta: { title: 'About · Vue' } },
    { path: '/users/:email', component: page('Profile'), meta: { title: (to: RouteLocationNormalized) => `Profile of ${String(to.params.email)}` } },
    { path: '/:rest(.*)*', component: page('Not found'), meta: { title: 'Not found · Vue' } },
  ],
});
router.afterEach((to) => {
  const title = to.meta.title as string | ((r: RouteLocationNormalized) => string);
  void nextTick(() => (document.title = typeof title === 'function' ? title(to) : title));
});

const link = (id: string, to: string, text: string) => h(RouterLink, { id, to }, () => text);
createApp({
  render: () => [
    h('nav', [link('to-home', '/', 'Home'), ' ', link('to-about', '/about', 'About'), ' ', link('to-user', '/users/dora.canary@example.com', 'Dora')]),
    h(RouterView),
  ],
})
  .use(router)
  .mount('#app');
