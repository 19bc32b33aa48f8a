// Which models a set of pipeline options needs, in the order the pipeline requests them:
// pipeline.Options.models() in JavaScript, because the worker starts downloading models
// before Python has booted. init.js checks it against Python's own answer once it has.
export function modelsFor(o) {
  const complexity = ["lite", "full", "heavy"][o.model_complexity];
  const names = ["pose_detector", `pose_landmark_${complexity}${o.enable_segmentation ? "_seg" : ""}`];
  if (o.enable_hands) names.push("hand_recrop", "hand_landmark_full");
  if (o.enable_body_model) names.push("lifter");
  return names;
}
