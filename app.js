// The demo app: nothing global except a check of the base library.
// The component loads its core as .wasm.br, which needs base library 2.14.0.
const MIN_SDK = '2.14.0';

function older(a, b) {
  const x = a.split('.'), y = b.split('.');
  for (let i = 0; i < 3; i++) {
    const d = (parseInt(x[i], 10) || 0) - (parseInt(y[i], 10) || 0);
    if (d) return d < 0;
  }
  return false;
}

App({
  onLaunch() {
    const info = wx.getAppBaseInfo ? wx.getAppBaseInfo() : wx.getSystemInfoSync();
    if (info.SDKVersion && older(info.SDKVersion, MIN_SDK)) {
      wx.showModal({
        title: 'WeChat too old',
        content: 'This demo needs base library ' + MIN_SDK + ' or newer (this one is ' + info.SDKVersion + '). Please update WeChat.',
        showCancel: false
      });
    }
  }
});
