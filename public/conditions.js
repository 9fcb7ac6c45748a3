// Questions that depend on answers given on the same page are shown and hidden as those answers change,
// and the rest of the page comes with its first part. Without this script the server sends the page in
// parts, so a reader without JavaScript never sees a question that does not apply. The tests follow
// src/questionnaire/conditions.ts (conditionHolds), which decides again on the server.
;(function () {
  'use strict'
  var form = document.querySelector('form[data-known]')
  if (!form || !window.JSON || !document.importNode) return
  var known = JSON.parse(form.getAttribute('data-known') || '{}')

  var rest = form.querySelector('template[data-rest-of-page]')
  if (rest && rest.content) {
    var field = document.createElement('input')
    field.type = 'hidden'
    field.name = rest.getAttribute('data-field')
    field.value = '1'
    form.insertBefore(field, rest)
    rest.parentNode.replaceChild(document.importNode(rest.content, true), rest)
  }

  function fields(name) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name === name && !element.disabled
    })
  }

  // The answer as the server would keep it: codes, a number as typed, a date as YYYY-MM-DD, or nothing.
  function answerOf(code) {
    var name = 'a_' + code
    var inputs = fields(name)
    var anyOnPage = Array.prototype.some.call(form.elements, function (element) {
      return element.name === name || element.name === name + '-year'
    })
    if (!anyOnPage) return known[code]
    if (inputs.length === 0) {
      var parts = ['year', 'month', 'day'].map(function (part) {
        var input = fields(name + '-' + part)[0]
        return input ? input.value.trim() : ''
      })
      if (!/^\d{4}$/.test(parts[0]) || !/^\d{1,2}$/.test(parts[1]) || !/^\d{1,2}$/.test(parts[2]))
        return undefined
      return parts[0] + '-' + ('0' + parts[1]).slice(-2) + '-' + ('0' + parts[2]).slice(-2)
    }
    var values = []
    inputs.forEach(function (input) {
      if (input.type === 'radio' || input.type === 'checkbox') {
        if (input.checked) values.push(input.value)
      } else if (input.value.trim() !== '') {
        var typed = input.value.trim()
        values.push(/^-?\d+(,\d+)?$/.test(typed) ? typed.replace(',', '.') : typed)
      }
    })
    if (inputs[0].type === 'checkbox') return values.length ? values : undefined
    return values.length ? values[0] : undefined
  }

  function number(text) {
    return text.trim() === '' ? NaN : Number(text)
  }

  function compares(given, op, value) {
    var text = given === undefined ? '' : Array.isArray(given) ? given.join(' ') : String(given)
    var a = number(text)
    var b = typeof value === 'number' ? value : number(value)
    var numeric = typeof value === 'number' || (!isNaN(a) && !isNaN(b))
    if (op === '=') return numeric ? a === b : text === value
    if (op === '!=') return numeric ? a !== b : text !== value
    var order
    if (!isNaN(a) && !isNaN(b)) order = a - b
    else if (typeof value === 'string' && text !== '' && value !== '')
      order = text < value ? -1 : text > value ? 1 : 0
    else return false
    return op === '<' ? order < 0 : op === '>' ? order > 0 : op === '<=' ? order <= 0 : order >= 0
  }

  function holds(condition) {
    if (condition.all) return condition.all.every(holds)
    if (condition.any) return condition.any.some(holds)
    if (condition.not) return !holds(condition.not)
    var given = answerOf(condition.question)
    if (condition.anyOf) {
      if (given === undefined) return false
      var codes = Array.isArray(given) ? given : [String(given)]
      return codes.some(function (code) {
        return condition.anyOf.indexOf(code) !== -1
      })
    }
    return compares(given, condition.compare, condition.value)
  }

  // In page order, so a question hidden here reads as empty for the ones after it.
  function update() {
    Array.prototype.forEach.call(form.querySelectorAll('[data-show-if]'), function (question) {
      var shown = holds(JSON.parse(question.getAttribute('data-show-if')))
      question.hidden = !shown
      Array.prototype.forEach.call(question.querySelectorAll('input, select, textarea'), function (input) {
        input.disabled = !shown
      })
    })
  }

  form.addEventListener('change', update)
  form.addEventListener('input', update)
  update()
})()
