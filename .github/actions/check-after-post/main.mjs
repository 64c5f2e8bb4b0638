// Nothing to do before the job's other steps: the checks are in post.mjs, which the runner runs
// after the post steps of every action used after this one (post steps run last first).
process.stdout.write('The checks run in this action’s post step, after ecr-login’s.\n')
